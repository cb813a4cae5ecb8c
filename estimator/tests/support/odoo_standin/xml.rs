//! XML-RPC documents, as Python's `xmlrpc` and Odoo write them: reading a `methodCall` into
//! JSON values, writing a `methodResponse` or a fault with the recorded layout.

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::{Map, Value};

#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
}

fn tree(xml: &str) -> Result<Node, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) => stack.push(Node {
                name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                ..Node::default()
            }),
            Event::Empty(e) => {
                let node = Node {
                    name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    ..Node::default()
                };
                stack.last_mut().ok_or("unbalanced")?.children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().ok_or("unbalanced")?;
                stack.last_mut().ok_or("unbalanced")?.children.push(node);
            }
            Event::Text(t) => {
                let text = t.unescape().map_err(|e| e.to_string())?;
                stack.last_mut().ok_or("unbalanced")?.text.push_str(&text);
            }
            Event::CData(t) => {
                stack
                    .last_mut()
                    .ok_or("unbalanced")?
                    .text
                    .push_str(&String::from_utf8_lossy(&t));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err("no element found".into());
    }
    Ok(stack.pop().unwrap_or_default())
}

fn value(v: &Node) -> Result<Value, String> {
    let Some(typed) = v.children.first() else {
        return Ok(Value::String(v.text.clone()));
    };
    let text = typed.text.trim();
    Ok(match typed.name.as_str() {
        "int" | "i4" | "i8" => Value::from(
            text.parse::<i64>()
                .map_err(|e| format!("int {text:?}: {e}"))?,
        ),
        "boolean" => Value::Bool(text == "1"),
        "double" => Value::from(
            text.parse::<f64>()
                .map_err(|e| format!("double {text:?}: {e}"))?,
        ),
        "string" | "base64" | "dateTime.iso8601" => Value::String(typed.text.clone()),
        "nil" => Value::Null,
        "array" => Value::Array(
            typed
                .child("data")
                .map(|d| {
                    d.children
                        .iter()
                        .filter(|c| c.name == "value")
                        .map(value)
                        .collect()
                })
                .transpose()?
                .unwrap_or_default(),
        ),
        "struct" => {
            let mut m = Map::new();
            for member in typed.children.iter().filter(|c| c.name == "member") {
                let name = member
                    .child("name")
                    .map(|n| n.text.clone())
                    .unwrap_or_default();
                let v = member.child("value").ok_or("member without value")?;
                m.insert(name, value(v)?);
            }
            Value::Object(m)
        }
        other => return Err(format!("unknown XML-RPC type {other}")),
    })
}

/// A methodCall: its method name and parameters.
pub fn call(xml: &str) -> Result<(String, Vec<Value>), String> {
    let root = tree(xml)?;
    let call = root.child("methodCall").ok_or("not a methodCall")?;
    let name = call
        .child("methodName")
        .map(|n| n.text.trim().to_string())
        .ok_or("no methodName")?;
    let params = match call.child("params") {
        Some(p) => p
            .children
            .iter()
            .filter(|c| c.name == "param")
            .map(|p| p.child("value").map(value).unwrap_or(Ok(Value::Null)))
            .collect::<Result<_, _>>()?,
        None => Vec::new(),
    };
    Ok((name, params))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Python's marshaller layout: one `<value>` per line, structs and arrays opened inline.
fn write(v: &Value, out: &mut String) {
    match v {
        // Odoo marshals None as False.
        Value::Null => out.push_str("<value><boolean>0</boolean></value>\n"),
        Value::Bool(b) => out.push_str(&format!(
            "<value><boolean>{}</boolean></value>\n",
            u8::from(*b)
        )),
        Value::Number(n) => match n.as_i64() {
            Some(i) => out.push_str(&format!("<value><int>{i}</int></value>\n")),
            None => out.push_str(&format!(
                "<value><double>{:?}</double></value>\n",
                n.as_f64().unwrap_or(0.0)
            )),
        },
        Value::String(s) => {
            out.push_str(&format!("<value><string>{}</string></value>\n", escape(s)))
        }
        Value::Array(a) => {
            out.push_str("<value><array><data>\n");
            for x in a {
                write(x, out);
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Object(o) => {
            out.push_str("<value><struct>\n");
            for (k, x) in o {
                out.push_str(&format!("<member>\n<name>{}</name>\n", escape(k)));
                write(x, out);
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
    }
}

pub fn response(v: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n");
    write(v, &mut out);
    out.push_str("</param>\n</params>\n\n</methodResponse>\n");
    out
}

pub fn fault(code: i64, message: &str) -> String {
    let mut out = String::from("<?xml version=\"1.0\"?>\n<methodResponse>\n<fault>\n");
    let mut m = Map::new();
    m.insert("faultCode".into(), Value::from(code));
    m.insert("faultString".into(), Value::from(message));
    write(&Value::Object(m), &mut out);
    out.push_str("</fault>\n\n</methodResponse>\n");
    out
}
