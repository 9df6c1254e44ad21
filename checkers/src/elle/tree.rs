//! The JSON a transaction is made of, seen through one small trait.
//!
//! Flattening reads micro-ops from two sources: `serde_json::Value`s of a
//! [`History`](rjepsen_core::History), and lines streamed from a file. [`Tree`] is
//! what flattening needs (integers, strings, lists by position), so both take one
//! code path. Streamed lines are parsed into a [`Flat`] arena: every node is 16
//! bytes, a list's children sit contiguously, and a block of thousands of lines
//! needs a handful of allocations instead of several per line, which is most of
//! what parsing a million-transaction history costs.

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// Read access to a JSON-like tree whose nodes are `Self::Node`.
pub(crate) trait Tree<'a>: Copy {
    type Node: Copy;
    fn int(self, n: Self::Node) -> Option<i64>;
    fn text(self, n: Self::Node) -> Option<&'a str>;
    /// The length of a list node, `None` for anything else.
    fn len(self, n: Self::Node) -> Option<usize>;
    fn item(self, n: Self::Node, i: usize) -> Self::Node;
    fn is_nil(self, n: Self::Node) -> bool;
    /// The node as a person reads it, for error messages.
    fn show(self, n: Self::Node) -> String;
}

/// `serde_json::Value`s.
#[derive(Clone, Copy)]
pub(crate) struct Json;

impl<'a> Tree<'a> for Json {
    type Node = &'a Value;
    fn int(self, n: &'a Value) -> Option<i64> {
        n.as_i64()
    }
    fn text(self, n: &'a Value) -> Option<&'a str> {
        n.as_str().map(|s| s.trim_start_matches(':'))
    }
    fn len(self, n: &'a Value) -> Option<usize> {
        n.as_array().map(|a| a.len())
    }
    fn item(self, n: &'a Value, i: usize) -> &'a Value {
        &n[i]
    }
    fn is_nil(self, n: &'a Value) -> bool {
        n.is_null()
    }
    fn show(self, n: &'a Value) -> String {
        n.to_string()
    }
}

/// A node of a [`Flat`] arena.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Node {
    Nil,
    Int(i64),
    /// A micro-op or op name, kept without allocating.
    Name(&'static str),
    /// Any other string (or number that is not an `i64`), by index in `texts`.
    Text(u32),
    /// Children `nodes[start..start + len]`.
    List(u32, u32),
    /// A map, or anything else transactions are not made of.
    Other,
}

/// An arena of parsed JSON values.
#[derive(Default)]
pub(crate) struct Flat {
    nodes: Vec<Node>,
    texts: Vec<String>,
    /// Children of lists still being parsed.
    stack: Vec<Node>,
}

impl Flat {
    fn text(&mut self, s: String) -> Node {
        self.texts.push(s);
        Node::Text(self.texts.len() as u32 - 1)
    }

    /// Parses the next value of a map into this arena.
    pub fn value<'de, A: MapAccess<'de>>(&mut self, map: &mut A) -> Result<Node, A::Error> {
        map.next_value_seed(NodeSeed(self))
    }
}

impl<'a> Tree<'a> for &'a Flat {
    type Node = Node;
    fn int(self, n: Node) -> Option<i64> {
        match n {
            Node::Int(i) => Some(i),
            _ => None,
        }
    }
    fn text(self, n: Node) -> Option<&'a str> {
        match n {
            Node::Name(s) => Some(s),
            Node::Text(i) => Some(&self.texts[i as usize]),
            _ => None,
        }
    }
    fn len(self, n: Node) -> Option<usize> {
        match n {
            Node::List(_, len) => Some(len as usize),
            _ => None,
        }
    }
    fn item(self, n: Node, i: usize) -> Node {
        match n {
            Node::List(start, _) => self.nodes[start as usize + i],
            _ => Node::Nil,
        }
    }
    fn is_nil(self, n: Node) -> bool {
        n == Node::Nil
    }
    fn show(self, n: Node) -> String {
        match n {
            Node::Nil => "nil".into(),
            Node::Int(i) => i.to_string(),
            Node::Name(_) | Node::Text(_) => self.text(n).unwrap_or("").to_string(),
            Node::Other => "{..}".into(),
            Node::List(..) => {
                let parts: Vec<String> = (0..self.len(n).unwrap_or(0))
                    .map(|i| self.show(self.item(n, i)))
                    .collect();
                format!("[{}]", parts.join(" "))
            }
        }
    }
}

/// Parses one value into a [`Flat`].
struct NodeSeed<'f>(&'f mut Flat);

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Nil)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Nil)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Node::Int(i),
            Err(_) => self.0.text(v.to_string()),
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(self.0.text(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(self.0.text(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        // Names repeat millions of times: no allocation for them.
        Ok(match v.trim_start_matches(':') {
            "append" => Node::Name("append"),
            "r" => Node::Name("r"),
            "w" => Node::Name("w"),
            "txn" => Node::Name("txn"),
            other => self.0.text(other.to_string()),
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let base = self.0.stack.len();
        while let Some(n) = seq.next_element_seed(NodeSeed(&mut *self.0))? {
            self.0.stack.push(n);
        }
        let start = self.0.nodes.len();
        let flat = &mut *self.0;
        flat.nodes.extend(flat.stack.drain(base..));
        Ok(Node::List(start as u32, (flat.nodes.len() - start) as u32))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Node::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Flat, Node) {
        struct Root<'f>(&'f mut Flat);
        impl<'de> DeserializeSeed<'de> for Root<'_> {
            type Value = Node;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                NodeSeed(self.0).deserialize(d)
            }
        }
        let mut flat = Flat::default();
        let mut de = serde_json::Deserializer::from_str(text);
        let n = Root(&mut flat).deserialize(&mut de).unwrap();
        (flat, n)
    }

    #[test]
    fn flat_and_json_trees_agree() {
        let text =
            r#"[["append",":x",1],["r","y",[1,"a",[2]]],{"k":[1]},null,18446744073709551615]"#;
        let (flat, root) = parse(text);
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(
            (&flat).show(root),
            "[[append x 1] [r y [1 a [2]]] {..} nil 18446744073709551615]"
        );
        assert_eq!((&flat).len(root), Json.len(&value));
        let m = (&flat).item(root, 1);
        assert_eq!((&flat).text((&flat).item(m, 0)), Some("r"));
        assert_eq!((&flat).len((&flat).item(m, 2)), Some(3));
        assert_eq!((&flat).int((&flat).item((&flat).item(m, 2), 0)), Some(1));
        assert!((&flat).is_nil((&flat).item(root, 3)));
        assert_eq!(Json.text(&value[0][1]), Some("x"));
    }
}
