//! Quantity expressions in mapping rules: `coalesce(Qto_WallBaseQuantities.NetSideArea,
//! lateral_area / 2) * 2`. A tiny language rather than a scripting engine, so a rule file
//! can't loop, allocate without bound or reach outside the element it prices.

use std::fmt;

/// A value during evaluation. `Missing` is a quantity the element doesn't have: it
/// propagates through arithmetic so that a line is never priced on a made-up zero.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Num(f64),
    Text(String),
    Missing(String),
}

impl Value {
    fn truthy(&self) -> bool {
        match self {
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Text(t) => !t.is_empty(),
            Value::Missing(_) => false,
        }
    }
}

/// What an expression can read: one element's (or layer's) variables.
pub trait Vars {
    fn get(&self, name: &str) -> Option<Value>;
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Num(f64),
    Text(String),
    Var(String),
    Neg(Box<Node>),
    Not(Box<Node>),
    Bin(Op, Box<Node>, Box<Node>),
    Call(Func, Vec<Node>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Func {
    Min,
    Max,
    Abs,
    Round,
    Ceil,
    Floor,
    Coalesce,
    If,
}

impl Func {
    fn parse(name: &str) -> Option<(Func, usize, usize)> {
        // (function, min args, max args)
        Some(match name {
            "min" => (Func::Min, 1, usize::MAX),
            "max" => (Func::Max, 1, usize::MAX),
            "abs" => (Func::Abs, 1, 1),
            "round" => (Func::Round, 1, 2),
            "ceil" => (Func::Ceil, 1, 1),
            "floor" => (Func::Floor, 1, 1),
            "coalesce" => (Func::Coalesce, 1, usize::MAX),
            "if" => (Func::If, 3, 3),
            _ => return None,
        })
    }
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    source: String,
    root: Node,
}

/// A syntax error with its 1-based character column in the expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub column: usize,
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.reason)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Text(String),
    Sym(&'static str),
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |i: usize, r: &str| ParseError {
        column: i + 1,
        reason: r.to_string(),
    };
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                i += 1;
                if i < chars.len() && (chars[i] == '-' || chars[i] == '+') {
                    i += 1;
                }
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = chars[start..i].iter().collect();
            let n = text
                .parse::<f64>()
                .map_err(|_| err(start, &format!("bad number {text:?}")))?;
            out.push((Tok::Num(n), start));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), start));
            continue;
        }
        if c == '`' || c == '\'' || c == '"' {
            // `quoted names` for quantity names with spaces; 'text' and "text" are strings.
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += 1;
            }
            if i >= chars.len() {
                return Err(err(start, "unterminated quote"));
            }
            let inner: String = chars[start + 1..i].iter().collect();
            i += 1;
            out.push((
                if c == '`' {
                    Tok::Ident(inner)
                } else {
                    Tok::Text(inner)
                },
                start,
            ));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let sym = match two.as_str() {
            "==" => Some("=="),
            "!=" => Some("!="),
            "<=" => Some("<="),
            ">=" => Some(">="),
            "&&" => Some("and"),
            "||" => Some("or"),
            _ => None,
        };
        if let Some(s) = sym {
            out.push((Tok::Sym(s), start));
            i += 2;
            continue;
        }
        let s = match c {
            '+' => "+",
            '-' => "-",
            '*' => "*",
            '/' => "/",
            '(' => "(",
            ')' => ")",
            ',' => ",",
            '<' => "<",
            '>' => ">",
            '!' => "not",
            _ => return Err(err(start, &format!("unexpected character {c:?}"))),
        };
        out.push((Tok::Sym(s), start));
        i += 1;
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
    /// Nesting so far: a rule file is user input, and unbounded recursion would overflow
    /// the stack and abort the whole server.
    depth: usize,
}

/// Deepest nesting of parentheses, calls and prefix operators an expression may have.
const MAX_DEPTH: usize = 64;
/// Longest expression accepted, in characters.
const MAX_LEN: usize = 4096;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.1) + 1
    }
    fn err<T>(&self, reason: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            column: self.col(),
            reason: reason.into(),
        })
    }
    fn eat_sym(&mut self, s: &str) -> bool {
        let hit = match self.peek() {
            Some(Tok::Sym(x)) => *x == s,
            Some(Tok::Ident(x)) => (s == "and" || s == "or" || s == "not") && x == s,
            _ => false,
        };
        if hit {
            self.pos += 1;
        }
        hit
    }
    fn deeper(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!("nested more than {MAX_DEPTH} levels deep"));
        }
        Ok(())
    }
    fn or(&mut self) -> Result<Node, ParseError> {
        self.deeper()?;
        let r = self.or_inner();
        self.depth -= 1;
        r
    }
    fn or_inner(&mut self) -> Result<Node, ParseError> {
        let mut l = self.and()?;
        while self.eat_sym("or") {
            l = Node::Bin(Op::Or, Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }
    fn and(&mut self) -> Result<Node, ParseError> {
        let mut l = self.not()?;
        while self.eat_sym("and") {
            l = Node::Bin(Op::And, Box::new(l), Box::new(self.not()?));
        }
        Ok(l)
    }
    fn not(&mut self) -> Result<Node, ParseError> {
        if self.eat_sym("not") {
            self.deeper()?;
            let inner = self.not();
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner?)));
        }
        self.cmp()
    }
    fn cmp(&mut self) -> Result<Node, ParseError> {
        let l = self.add()?;
        for (s, op) in [
            ("==", Op::Eq),
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("<", Op::Lt),
            (">", Op::Gt),
        ] {
            if self.eat_sym(s) {
                return Ok(Node::Bin(op, Box::new(l), Box::new(self.add()?)));
            }
        }
        Ok(l)
    }
    fn add(&mut self) -> Result<Node, ParseError> {
        let mut l = self.mul()?;
        loop {
            if self.eat_sym("+") {
                l = Node::Bin(Op::Add, Box::new(l), Box::new(self.mul()?));
            } else if self.eat_sym("-") {
                l = Node::Bin(Op::Sub, Box::new(l), Box::new(self.mul()?));
            } else {
                return Ok(l);
            }
        }
    }
    fn mul(&mut self) -> Result<Node, ParseError> {
        let mut l = self.unary()?;
        loop {
            if self.eat_sym("*") {
                l = Node::Bin(Op::Mul, Box::new(l), Box::new(self.unary()?));
            } else if self.eat_sym("/") {
                l = Node::Bin(Op::Div, Box::new(l), Box::new(self.unary()?));
            } else {
                return Ok(l);
            }
        }
    }
    fn unary(&mut self) -> Result<Node, ParseError> {
        if self.eat_sym("-") {
            self.deeper()?;
            let inner = self.unary();
            self.depth -= 1;
            return Ok(Node::Neg(Box::new(inner?)));
        }
        self.primary()
    }
    fn primary(&mut self) -> Result<Node, ParseError> {
        let Some(tok) = self.peek().cloned() else {
            return self.err("unexpected end of expression");
        };
        match tok {
            Tok::Num(n) => {
                self.pos += 1;
                Ok(Node::Num(n))
            }
            Tok::Text(t) => {
                self.pos += 1;
                Ok(Node::Text(t))
            }
            Tok::Ident(name) => {
                let col = self.col();
                self.pos += 1;
                if self.eat_sym("(") {
                    let Some((func, min, max)) = Func::parse(&name) else {
                        return Err(ParseError {
                            column: col,
                            reason: format!(
                                "unknown function {name}; known: min, max, abs, round, ceil, floor, coalesce, if"
                            ),
                        });
                    };
                    let mut args = Vec::new();
                    if !self.eat_sym(")") {
                        loop {
                            args.push(self.or()?);
                            if self.eat_sym(")") {
                                break;
                            }
                            if !self.eat_sym(",") {
                                return self.err("expected ',' or ')'");
                            }
                        }
                    }
                    if args.len() < min || args.len() > max {
                        return Err(ParseError {
                            column: col,
                            reason: format!(
                                "{name} takes {min}..{} arguments, got {}",
                                max.min(9),
                                args.len()
                            ),
                        });
                    }
                    Ok(Node::Call(func, args))
                } else {
                    Ok(Node::Var(name))
                }
            }
            Tok::Sym("(") => {
                self.pos += 1;
                let inner = self.or()?;
                if !self.eat_sym(")") {
                    return self.err("expected ')'");
                }
                Ok(inner)
            }
            Tok::Sym(s) => self.err(format!("unexpected {s:?}")),
        }
    }
}

impl Expr {
    pub fn parse(src: &str) -> Result<Expr, ParseError> {
        if src.len() > MAX_LEN {
            return Err(ParseError {
                column: MAX_LEN,
                reason: format!("longer than {MAX_LEN} characters"),
            });
        }
        let toks = lex(src)?;
        let mut p = Parser {
            toks,
            pos: 0,
            end: src.chars().count(),
            depth: 0,
        };
        let root = p.or()?;
        if p.pos != p.toks.len() {
            return p.err("unexpected text after the expression");
        }
        Ok(Expr {
            source: src.to_string(),
            root,
        })
    }

    pub fn eval(&self, vars: &dyn Vars) -> Value {
        eval(&self.root, vars)
    }

    /// Names of the variables the expression reads, for validating rules and explaining lines.
    pub fn variables(&self) -> Vec<String> {
        fn walk(n: &Node, out: &mut Vec<String>) {
            match n {
                Node::Var(v) if !out.contains(v) => out.push(v.clone()),
                Node::Neg(a) | Node::Not(a) => walk(a, out),
                Node::Bin(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Node::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

fn num(v: Value) -> Result<f64, Value> {
    match v {
        Value::Num(n) => Ok(n),
        Value::Text(t) => t
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .map_err(|_| Value::Missing(format!("{t:?} is not a number"))),
        m @ Value::Missing(_) => Err(m),
    }
}

fn eval(n: &Node, vars: &dyn Vars) -> Value {
    macro_rules! try_num {
        ($e:expr) => {
            match num(eval($e, vars)) {
                Ok(x) => x,
                Err(m) => return m,
            }
        };
    }
    match n {
        Node::Num(x) => Value::Num(*x),
        Node::Text(t) => Value::Text(t.clone()),
        Node::Var(name) => vars
            .get(name)
            .unwrap_or_else(|| Value::Missing(name.clone())),
        Node::Neg(a) => Value::Num(-try_num!(a)),
        Node::Not(a) => Value::Num(f64::from(!eval(a, vars).truthy() as u8)),
        Node::Bin(Op::And, a, b) => Value::Num(f64::from(
            (eval(a, vars).truthy() && eval(b, vars).truthy()) as u8,
        )),
        Node::Bin(Op::Or, a, b) => Value::Num(f64::from(
            (eval(a, vars).truthy() || eval(b, vars).truthy()) as u8,
        )),
        Node::Bin(op @ (Op::Eq | Op::Ne), a, b) => {
            let (x, y) = (eval(a, vars), eval(b, vars));
            let equal = match (&x, &y) {
                (Value::Missing(_), _) | (_, Value::Missing(_)) => return Value::Num(0.0),
                (Value::Text(s), Value::Text(t)) => s.eq_ignore_ascii_case(t),
                _ => match (num(x), num(y)) {
                    (Ok(p), Ok(q)) => (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1.0),
                    _ => false,
                },
            };
            Value::Num(f64::from((equal == (*op == Op::Eq)) as u8))
        }
        Node::Bin(op, a, b) => {
            let x = try_num!(a);
            let y = try_num!(b);
            Value::Num(match op {
                Op::Add => x + y,
                Op::Sub => x - y,
                Op::Mul => x * y,
                Op::Div if y == 0.0 => return Value::Missing("division by zero".into()),
                Op::Div => x / y,
                Op::Lt => f64::from((x < y) as u8),
                Op::Le => f64::from((x <= y) as u8),
                Op::Gt => f64::from((x > y) as u8),
                Op::Ge => f64::from((x >= y) as u8),
                Op::Eq | Op::Ne | Op::And | Op::Or => unreachable!("handled above"),
            })
        }
        Node::Call(Func::Coalesce, args) => args
            .iter()
            .map(|a| eval(a, vars))
            .find(|v| !matches!(v, Value::Missing(_)))
            .unwrap_or_else(|| Value::Missing("no argument of coalesce is defined".into())),
        Node::Call(Func::If, args) => {
            if eval(&args[0], vars).truthy() {
                eval(&args[1], vars)
            } else {
                eval(&args[2], vars)
            }
        }
        Node::Call(f, args) => {
            let mut xs = Vec::with_capacity(args.len());
            for a in args {
                xs.push(try_num!(a));
            }
            Value::Num(match f {
                Func::Min => xs.iter().copied().fold(f64::INFINITY, f64::min),
                Func::Max => xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                Func::Abs => xs[0].abs(),
                Func::Ceil => xs[0].ceil(),
                Func::Floor => xs[0].floor(),
                Func::Round => {
                    let p = 10f64.powi(xs.get(1).copied().unwrap_or(0.0) as i32);
                    (xs[0] * p).round() / p
                }
                Func::Coalesce | Func::If => unreachable!("handled above"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct M(HashMap<&'static str, Value>);
    impl Vars for M {
        fn get(&self, name: &str) -> Option<Value> {
            self.0.get(name).cloned()
        }
    }

    fn vars() -> M {
        M(HashMap::from([
            ("lateral_area", Value::Num(20.0)),
            ("Qto_WallBaseQuantities.NetSideArea", Value::Num(9.0)),
            ("Pset_WallCommon.IsExternal", Value::Num(1.0)),
            ("Pset_WallCommon.Reference", Value::Text("EXT-20".into())),
        ]))
    }

    #[test]
    fn arithmetic_functions_and_conditions() {
        let v = vars();
        let e = |s: &str| Expr::parse(s).unwrap().eval(&v);
        assert_eq!(e("lateral_area / 2 * 2 + 1"), Value::Num(21.0));
        assert_eq!(
            e("coalesce(Qto_WallBaseQuantities.GrossSideArea, lateral_area / 2)"),
            Value::Num(10.0)
        );
        assert_eq!(e("round(10 / 3, 2)"), Value::Num(3.33));
        assert_eq!(
            e("if(Pset_WallCommon.IsExternal == 1, 1, 2)"),
            Value::Num(1.0)
        );
        assert_eq!(
            e("Pset_WallCommon.Reference == 'ext-20' and not 0"),
            Value::Num(1.0)
        );
        assert_eq!(e("max(1, -3, 2) - min(4, 5)"), Value::Num(-2.0));
        assert!(matches!(e("volume * 2"), Value::Missing(m) if m == "volume"));
        assert!(matches!(e("1 / 0"), Value::Missing(_)));
        // A missing quantity makes a condition false instead of an error.
        assert_eq!(e("volume > 1"), Value::Missing("volume".into()));
        assert!(!e("volume > 1").truthy());
    }

    #[test]
    fn syntax_errors_have_columns() {
        assert_eq!(Expr::parse("1 +").unwrap_err().column, 4);
        assert_eq!(Expr::parse("sqrt(2)").unwrap_err().column, 1);
        assert_eq!(Expr::parse("(1 + 2").unwrap_err().reason, "expected ')'");
        assert_eq!(Expr::parse("2 $ 3").unwrap_err().column, 3);
        assert!(Expr::parse("round(1, 2, 3)").is_err());
        // Hostile nesting is refused, not a stack overflow.
        let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(Expr::parse(&deep).unwrap_err().reason.contains("longer"));
        let deep = format!("{}1{}", "(".repeat(1000), ")".repeat(1000));
        assert!(Expr::parse(&deep).unwrap_err().reason.contains("nested"));
        assert!(Expr::parse(&"- ".repeat(1000)).is_err());
        assert!(Expr::parse(&format!("{}1{}", "(".repeat(30), ")".repeat(30))).is_ok());
    }
}
