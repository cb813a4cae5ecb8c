//! XML-RPC, as Odoo 17 and 18 speak it: requests written from JSON values, responses and
//! faults read back into JSON values so every transport hands the connector the same shapes.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value};

use super::OdooError;

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

fn write_value(v: &Value, out: &mut String) {
    out.push_str("<value>");
    match v {
        Value::Null => out.push_str("<nil/>"),
        Value::Bool(b) => {
            out.push_str("<boolean>");
            out.push(if *b { '1' } else { '0' });
            out.push_str("</boolean>");
        }
        Value::Number(n) => {
            if let Some(i) = n.as_i64().filter(|i| i32::try_from(*i).is_ok()) {
                out.push_str(&format!("<int>{i}</int>"));
            } else {
                out.push_str(&format!("<double>{}</double>", n.as_f64().unwrap_or(0.0)));
            }
        }
        Value::String(s) => {
            out.push_str("<string>");
            out.push_str(&escape(s));
            out.push_str("</string>");
        }
        Value::Array(a) => {
            out.push_str("<array><data>");
            for x in a {
                write_value(x, out);
            }
            out.push_str("</data></array>");
        }
        Value::Object(o) => {
            out.push_str("<struct>");
            for (k, x) in o {
                out.push_str("<member><name>");
                out.push_str(&escape(k));
                out.push_str("</name>");
                write_value(x, out);
                out.push_str("</member>");
            }
            out.push_str("</struct>");
        }
    }
    out.push_str("</value>");
}

/// A methodCall document.
pub fn request(method: &str, params: &[Value]) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodCall><methodName>");
    out.push_str(&escape(method));
    out.push_str("</methodName><params>");
    for p in params {
        out.push_str("<param>");
        write_value(p, &mut out);
        out.push_str("</param>");
    }
    out.push_str("</params></methodCall>");
    out
}

/// The outcome of a call: a value, or a fault with Odoo's code and message.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Value(Value),
    Fault { code: i64, message: String },
}

/// A tiny DOM: XML-RPC is small and regular enough that building a tree and walking it is
/// clearer than a streaming state machine.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

fn parse_tree(xml: &str) -> Result<Node, OdooError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node::default()];
    let bad = |e: String| OdooError::Protocol(format!("invalid XML-RPC answer: {e}"));
    loop {
        match reader.read_event().map_err(|e| bad(e.to_string()))? {
            Event::Start(e) => stack.push(Node {
                name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                ..Node::default()
            }),
            Event::Empty(e) => {
                let node = Node {
                    name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    ..Node::default()
                };
                stack
                    .last_mut()
                    .ok_or_else(|| bad("unbalanced".into()))?
                    .children
                    .push(node);
            }
            Event::End(_) => {
                let node = stack.pop().ok_or_else(|| bad("unbalanced".into()))?;
                stack
                    .last_mut()
                    .ok_or_else(|| bad("unbalanced".into()))?
                    .children
                    .push(node);
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| bad(e.to_string()))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err(bad("unterminated document".into()));
    }
    Ok(stack.pop().unwrap_or_default())
}

fn child<'a>(n: &'a Node, name: &str) -> Option<&'a Node> {
    n.children.iter().find(|c| c.name == name)
}

fn read_value(v: &Node) -> Result<Value, OdooError> {
    let Some(typed) = v.children.first() else {
        // A <value> without a type element is a string.
        return Ok(Value::String(v.text.clone()));
    };
    let bad = |what: &str| OdooError::Protocol(format!("bad XML-RPC {what}: {:?}", typed.text));
    Ok(match typed.name.as_str() {
        "int" | "i4" | "i8" => {
            Value::from(typed.text.trim().parse::<i64>().map_err(|_| bad("int"))?)
        }
        "boolean" => Value::Bool(typed.text.trim() == "1"),
        "double" => Value::from(
            typed
                .text
                .trim()
                .parse::<f64>()
                .map_err(|_| bad("double"))?,
        ),
        "string" | "base64" | "dateTime.iso8601" => Value::String(typed.text.clone()),
        "nil" => Value::Null,
        "array" => {
            let data = child(typed, "data").ok_or_else(|| bad("array"))?;
            Value::Array(
                data.children
                    .iter()
                    .filter(|c| c.name == "value")
                    .map(read_value)
                    .collect::<Result<_, _>>()?,
            )
        }
        "struct" => {
            let mut m = Map::new();
            for member in typed.children.iter().filter(|c| c.name == "member") {
                let name = child(member, "name")
                    .map(|n| n.text.clone())
                    .unwrap_or_default();
                let value = child(member, "value").ok_or_else(|| bad("member"))?;
                m.insert(name, read_value(value)?);
            }
            Value::Object(m)
        }
        other => return Err(OdooError::Protocol(format!("unknown XML-RPC type {other}"))),
    })
}

/// Reads a methodResponse.
pub fn response(xml: &str) -> Result<Response, OdooError> {
    let root = parse_tree(xml)?;
    let resp = child(&root, "methodResponse").ok_or_else(|| {
        OdooError::Protocol(format!(
            "not an XML-RPC answer: {}",
            xml.chars().take(120).collect::<String>()
        ))
    })?;
    if let Some(fault) = child(resp, "fault") {
        let v = child(fault, "value")
            .map(read_value)
            .transpose()?
            .unwrap_or(Value::Null);
        let code = match &v["faultCode"] {
            Value::Number(n) => n.as_i64().unwrap_or(1),
            Value::String(s) => s.trim().parse().unwrap_or(1),
            _ => 1,
        };
        let message = v["faultString"].as_str().unwrap_or_default().to_string();
        return Ok(Response::Fault { code, message });
    }
    let value = child(resp, "params")
        .and_then(|p| child(p, "param"))
        .and_then(|p| child(p, "value"))
        .ok_or_else(|| OdooError::Protocol("XML-RPC answer without a value".into()))?;
    Ok(Response::Value(read_value(value)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_values() {
        let v = json!({"a": [1, 2.5, "x<y", true, null], "b": {"c": "é"}});
        let xml = request("m", std::slice::from_ref(&v));
        // Answers carry the same <value> encoding as requests.
        let answer = xml
            .replace("<methodCall><methodName>m</methodName>", "<methodResponse>")
            .replace("</methodCall>", "</methodResponse>");
        assert_eq!(response(&answer).unwrap(), Response::Value(v));
    }

    #[test]
    fn reads_faults_and_refuses_html() {
        let f = "<?xml version='1.0'?><methodResponse><fault><value><struct>\
                 <member><name>faultCode</name><value><int>3</int></value></member>\
                 <member><name>faultString</name><value><string>Access Denied</string></value></member>\
                 </struct></value></fault></methodResponse>";
        assert_eq!(
            response(f).unwrap(),
            Response::Fault {
                code: 3,
                message: "Access Denied".into()
            }
        );
        assert!(matches!(
            response("<html><body>502</body></html>"),
            Err(OdooError::Protocol(_))
        ));
    }
}
