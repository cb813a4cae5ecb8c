use std::collections::HashMap;

use super::error::{StepError, StepErrorKind};
use super::string::decode_step_string;
use super::value::{Value, parse_args};

/// One entity instance: `#id = TYPE(args);`. Attributes stay undecoded until asked for.
#[derive(Debug, Clone, Copy)]
pub struct EntityRecord {
    pub id: u32,
    /// Index into [`StepFile::type_names`].
    pub type_id: u32,
    /// Byte range of the text between the outer parentheses.
    args_start: usize,
    args_end: usize,
}

/// The HEADER section's fields that matter for provenance and schema detection.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub description: Vec<String>,
    pub name: String,
    pub time_stamp: String,
    pub preprocessor_version: String,
    pub originating_system: String,
    pub schemas: Vec<String>,
}

/// Maps entity ids to record positions. Ids are usually dense, so a plain vector is both the
/// fastest and the smallest; very sparse numbering falls back to a hash map.
#[derive(Debug)]
enum IdIndex {
    Dense(Vec<u32>),
    Sparse(HashMap<u32, u32>),
}

/// An indexed STEP file. Owns its bytes; every record points into them.
#[derive(Debug)]
pub struct StepFile {
    data: Vec<u8>,
    pub header: Header,
    records: Vec<EntityRecord>,
    type_names: Vec<String>,
    type_ids: HashMap<String, u32>,
    by_type: Vec<Vec<u32>>,
    index: IdIndex,
    /// Non-fatal oddities met while indexing (duplicate ids, complex instances).
    pub warnings: Vec<String>,
}

const MISSING: u32 = u32::MAX;

impl StepFile {
    /// Indexes a whole file. Fails with the byte offset and line of the first malformed record.
    pub fn parse(data: Vec<u8>) -> Result<Self, StepError> {
        let mut scanner = Scanner {
            data: &data,
            pos: 0,
        };
        scanner.skip_ws();
        if !scanner.eat(b"ISO-10303-21") {
            return Err(StepError::at(&data, scanner.pos, StepErrorKind::NotStep));
        }
        scanner.skip_ws();
        scanner.expect(b";")?;
        scanner.skip_ws();
        scanner.expect(b"HEADER")?;
        scanner.skip_ws();
        scanner.expect(b";")?;
        let header_start = scanner.pos;
        let header_end = scanner.find_keyword(b"ENDSEC")?;
        let header = parse_header(&data, header_start, header_end)?;
        scanner.pos = header_end + b"ENDSEC".len();
        scanner.skip_ws();
        scanner.expect(b";")?;
        scanner.skip_ws();
        scanner.expect(b"DATA")?;
        scanner.skip_ws();
        // DATA may carry a parameter list in edition 3: DATA('name',(schema));
        if scanner.peek() == Some(b'(') {
            scanner.record_end()?;
        } else {
            scanner.expect(b";")?;
        }

        let mut records = Vec::with_capacity(data.len() / 60);
        let mut type_names: Vec<String> = Vec::new();
        let mut type_ids: HashMap<String, u32> = HashMap::new();
        let mut warnings = Vec::new();
        let mut last_type: (&[u8], u32) = (b"", 0);
        loop {
            scanner.skip_ws();
            match scanner.peek() {
                None => {
                    return Err(StepError::at(
                        &data,
                        scanner.pos,
                        StepErrorKind::Truncated("DATA section has no ENDSEC".into()),
                    ));
                }
                Some(b'#') => {}
                Some(_) => {
                    if scanner.eat(b"ENDSEC") {
                        break;
                    }
                    return Err(scanner.syntax("an entity instance `#id=` or ENDSEC"));
                }
            }
            let record_start = scanner.pos;
            scanner.pos += 1;
            let id = scanner.integer()?;
            scanner.skip_ws();
            scanner.expect(b"=")?;
            scanner.skip_ws();
            let name_start = scanner.pos;
            while scanner
                .peek()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                scanner.pos += 1;
            }
            let name = &data[name_start..scanner.pos];
            if name.is_empty() {
                // A complex instance `#1=(A()B());`, not used by IFC takeoff: skip it.
                scanner.record_end()?;
                if warnings.len() < 100 {
                    warnings.push(format!("#{id}: complex entity instance skipped"));
                }
                continue;
            }
            scanner.skip_ws();
            if scanner.peek() != Some(b'(') {
                return Err(scanner.syntax("`(` after the entity type name"));
            }
            let args_start = scanner.pos + 1;
            let args_end = scanner.record_end()?;
            let type_id = if name == last_type.0 {
                last_type.1
            } else {
                let key = std::str::from_utf8(name).unwrap_or("").to_ascii_uppercase();
                let next = type_names.len() as u32;
                let tid = *type_ids.entry(key.clone()).or_insert_with(|| {
                    type_names.push(key);
                    next
                });
                last_type = (name, tid);
                tid
            };
            if id > u32::MAX as u64 - 1 {
                return Err(StepError::at(
                    &data,
                    record_start,
                    StepErrorKind::Syntax(format!("entity id #{id} is out of range")),
                ));
            }
            records.push(EntityRecord {
                id: id as u32,
                type_id,
                args_start,
                args_end,
            });
        }

        let index = build_index(&records, &mut warnings);
        let mut by_type = vec![Vec::new(); type_names.len()];
        for (i, r) in records.iter().enumerate() {
            by_type[r.type_id as usize].push(i as u32);
        }
        Ok(Self {
            data,
            header,
            records,
            type_names,
            type_ids,
            by_type,
            index,
            warnings,
        })
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    pub fn records(&self) -> &[EntityRecord] {
        &self.records
    }

    /// Upper-case type names as written in the file, indexed by `type_id`.
    pub fn type_names(&self) -> &[String] {
        &self.type_names
    }

    pub fn type_name(&self, rec: &EntityRecord) -> &str {
        &self.type_names[rec.type_id as usize]
    }

    /// Record positions of all instances of one exact (upper-case) type.
    pub fn of_type(&self, upper_name: &str) -> &[u32] {
        self.type_ids
            .get(upper_name)
            .map_or(&[], |&t| &self.by_type[t as usize])
    }

    /// Record position of an entity id.
    pub fn position(&self, id: u32) -> Option<u32> {
        let p = match &self.index {
            IdIndex::Dense(v) => *v.get(id as usize)?,
            IdIndex::Sparse(m) => *m.get(&id)?,
        };
        (p != MISSING).then_some(p)
    }

    pub fn record(&self, id: u32) -> Option<&EntityRecord> {
        self.position(id).map(|p| &self.records[p as usize])
    }

    /// The upper-case type of entity `id`.
    pub fn type_of(&self, id: u32) -> Option<&str> {
        self.record(id).map(|r| self.type_name(r))
    }

    /// Decodes the attributes of entity `id`.
    pub fn args(&self, id: u32) -> Result<Vec<Value<'_>>, StepError> {
        let rec = self
            .record(id)
            .ok_or_else(|| StepError::at(&self.data, 0, StepErrorKind::NoSuchEntity { id }))?;
        self.record_args(rec)
    }

    pub fn record_args(&self, rec: &EntityRecord) -> Result<Vec<Value<'_>>, StepError> {
        parse_args(&self.data, rec.args_start, rec.args_end)
    }
}

fn build_index(records: &[EntityRecord], warnings: &mut Vec<String>) -> IdIndex {
    let max_id = records.iter().map(|r| r.id).max().unwrap_or(0) as usize;
    let mut index = if max_id <= records.len() * 8 + 4096 {
        IdIndex::Dense(vec![MISSING; max_id + 1])
    } else {
        IdIndex::Sparse(HashMap::with_capacity(records.len()))
    };
    for (i, r) in records.iter().enumerate() {
        let slot = match &mut index {
            IdIndex::Dense(v) => &mut v[r.id as usize],
            IdIndex::Sparse(m) => m.entry(r.id).or_insert(MISSING),
        };
        if *slot == MISSING {
            *slot = i as u32;
        } else if warnings.len() < 100 {
            warnings.push(format!(
                "duplicate entity id #{}: the first definition is kept",
                r.id
            ));
        }
    }
    index
}

fn parse_header(data: &[u8], start: usize, end: usize) -> Result<Header, StepError> {
    let mut header = Header::default();
    let mut s = Scanner {
        data: &data[..end],
        pos: start,
    };
    loop {
        s.skip_ws();
        if s.pos >= end {
            break;
        }
        let name_start = s.pos;
        while s
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            s.pos += 1;
        }
        let name = data[name_start..s.pos].to_ascii_uppercase();
        s.skip_ws();
        if s.peek() != Some(b'(') {
            return Err(s.syntax("a header entity such as FILE_NAME(...)"));
        }
        let args_start = s.pos + 1;
        let args_end = s.record_end()?;
        let args = parse_args(data, args_start, args_end)?;
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str_raw)
                .map(decode_step_string)
                .unwrap_or_default()
        };
        let texts = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_list)
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str_raw)
                        .map(decode_step_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        match name.as_slice() {
            b"FILE_DESCRIPTION" => header.description = texts(args.first()),
            b"FILE_NAME" => {
                header.name = text(args.first());
                header.time_stamp = text(args.get(1));
                header.preprocessor_version = text(args.get(4));
                header.originating_system = text(args.get(5));
            }
            b"FILE_SCHEMA" => header.schemas = texts(args.first()),
            _ => {}
        }
    }
    Ok(header)
}

/// A cursor over the file's bytes that knows STEP's lexical rules for strings and comments.
struct Scanner<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn syntax(&self, expected: &str) -> StepError {
        if self.pos >= self.data.len() {
            return StepError::at(
                self.data,
                self.pos,
                StepErrorKind::Truncated(format!("expected {expected}")),
            );
        }
        StepError::at(
            self.data,
            self.pos,
            StepErrorKind::Syntax(format!("expected {expected}")),
        )
    }

    fn skip_ws(&mut self) {
        loop {
            while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
                self.pos += 1;
            }
            if self.data[self.pos.min(self.data.len())..].starts_with(b"/*") {
                match memchr::memmem::find(&self.data[self.pos + 2..], b"*/") {
                    Some(e) => self.pos += 2 + e + 2,
                    None => {
                        self.pos = self.data.len();
                        return;
                    }
                }
            } else {
                return;
            }
        }
    }

    fn eat(&mut self, token: &[u8]) -> bool {
        if self.data[self.pos.min(self.data.len())..].starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &[u8]) -> Result<(), StepError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.syntax(&format!("`{}`", String::from_utf8_lossy(token))))
        }
    }

    fn integer(&mut self) -> Result<u64, StepError> {
        let start = self.pos;
        let mut v: u64 = 0;
        while let Some(b) = self.peek().filter(u8::is_ascii_digit) {
            v = v.saturating_mul(10).saturating_add(u64::from(b - b'0'));
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.syntax("an entity id after `#`"));
        }
        Ok(v)
    }

    /// Finds `keyword` at record level (outside strings and comments).
    fn find_keyword(&mut self, keyword: &[u8]) -> Result<usize, StepError> {
        let save = self.pos;
        loop {
            self.skip_ws();
            if self.data[self.pos.min(self.data.len())..].starts_with(keyword) {
                let at = self.pos;
                self.pos = save;
                return Ok(at);
            }
            if self.pos >= self.data.len() {
                return Err(self.syntax(&format!("`{}`", String::from_utf8_lossy(keyword))));
            }
            self.record_end()?;
        }
    }

    /// Moves past the `;` that ends the current record, skipping strings and comments.
    /// Returns the offset of the record's last `)`, which ends its argument list.
    fn record_end(&mut self) -> Result<usize, StepError> {
        let start = self.pos;
        let mut last_close = None;
        loop {
            let Some(rel) = memchr::memchr3(b'\'', b';', b'/', &self.data[self.pos..]) else {
                return Err(StepError::at(
                    self.data,
                    start,
                    StepErrorKind::Truncated("record has no terminating `;`".into()),
                ));
            };
            // Track the last `)` before the special byte, cheaply: only the tail matters.
            let chunk = &self.data[self.pos..self.pos + rel];
            if let Some(c) = memchr::memrchr(b')', chunk) {
                last_close = Some(self.pos + c);
            }
            self.pos += rel;
            match self.data[self.pos] {
                b';' => {
                    self.pos += 1;
                    return last_close.ok_or_else(|| {
                        StepError::at(
                            self.data,
                            start,
                            StepErrorKind::Syntax("record has no closing `)`".into()),
                        )
                    });
                }
                b'\'' => {
                    let open = self.pos;
                    self.pos += 1;
                    loop {
                        let Some(q) = memchr::memchr(b'\'', &self.data[self.pos..]) else {
                            return Err(StepError::at(
                                self.data,
                                open,
                                StepErrorKind::Truncated("string is never closed".into()),
                            ));
                        };
                        self.pos += q + 1;
                        if self.peek() == Some(b'\'') {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                }
                _ => {
                    if self.data.get(self.pos + 1) == Some(&b'*') {
                        let open = self.pos;
                        match memchr::memmem::find(&self.data[self.pos + 2..], b"*/") {
                            Some(e) => self.pos += 2 + e + 2,
                            None => {
                                return Err(StepError::at(
                                    self.data,
                                    open,
                                    StepErrorKind::Truncated("comment is never closed".into()),
                                ));
                            }
                        }
                    } else {
                        self.pos += 1;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [x]'),'2;1');\n\
        FILE_NAME('a.ifc','2020-01-01T00:00:00',('me'),('org'),'pre','sys','');\n\
        FILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#1=IFCCARTESIANPOINT((0.,1.5,-2.E-1));\n\
        /* comment; with semicolon */\n#2 = IFCLABEL('a;b''c');\n#3=IFCDIRECTION((1.,0.,0.));\nENDSEC;\nEND-ISO-10303-21;\n";

    #[test]
    fn indexes_records_and_header() {
        let f = StepFile::parse(SMALL.as_bytes().to_vec()).unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f.header.schemas, vec!["IFC4"]);
        assert_eq!(f.header.originating_system, "sys");
        assert_eq!(f.header.description, vec!["ViewDefinition [x]"]);
        assert_eq!(f.type_of(2), Some("IFCLABEL"));
        assert_eq!(f.of_type("IFCDIRECTION").len(), 1);
        let a = f.args(1).unwrap();
        let coords: Vec<f64> = a[0]
            .as_list()
            .unwrap()
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        assert_eq!(coords, vec![0.0, 1.5, -0.2]);
        assert_eq!(f.args(2).unwrap()[0].as_string().as_deref(), Some("a;b'c"));
    }

    #[test]
    fn truncation_reports_position() {
        let cut = &SMALL[..SMALL.find("#3=").unwrap() + 10];
        let e = StepFile::parse(cut.as_bytes().to_vec()).unwrap_err();
        assert!(matches!(e.kind, StepErrorKind::Truncated(_)), "{e}");
        assert_eq!(e.line, 11, "{e}");
    }

    #[test]
    fn garbage_is_not_step() {
        let e = StepFile::parse(b"\x00\x01garbage".to_vec()).unwrap_err();
        assert_eq!(e.kind, StepErrorKind::NotStep);
    }

    #[test]
    fn bad_record_reports_line() {
        let bad = SMALL.replace("#3=IFCDIRECTION", "#3 IFCDIRECTION");
        let e = StepFile::parse(bad.into_bytes()).unwrap_err();
        assert_eq!(e.line, 11, "{e}");
    }
}
