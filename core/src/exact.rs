//! Reading an op's `value` into a JSON tree whose arrays hold no spare room.
//!
//! serde_json grows every array from room for four elements; a history is mostly
//! `[key, value]` pairs, so each one costs an allocation twice its size, and
//! shrinking it afterwards leaves the freed half as a fragment that the
//! allocator rarely reuses (about 60 bytes per array, 160 MB on a 2M-entry
//! history). Here arrays of up to four elements are gathered on the stack and
//! allocated once at their length.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

/// Deserialises a [`Value`] with exactly sized arrays and strings.
pub(crate) struct ExactValue;

impl<'de> DeserializeSeed<'de> for ExactValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Elements gathered before an array is allocated.
const HEAD: usize = 4;

impl<'de> Visitor<'de> for ExactValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, mut v: String) -> Result<Value, E> {
        v.shrink_to_fit();
        Ok(Value::String(v))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut head: [Value; HEAD] = Default::default();
        for n in 0..HEAD {
            match seq.next_element_seed(ExactValue)? {
                Some(v) => head[n] = v,
                // `take(n)` has an exact size, so the vector is allocated at n.
                None => return Ok(Value::Array(head.into_iter().take(n).collect())),
            }
        }
        let mut all: Vec<Value> = head.into_iter().collect();
        while let Some(v) = seq.next_element_seed(ExactValue)? {
            all.push(v);
        }
        all.shrink_to_fit();
        Ok(Value::Array(all))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(ExactValue)?;
            m.insert(k, v);
        }
        Ok(Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(text: &str) -> Value {
        let mut d = serde_json::Deserializer::from_str(text);
        ExactValue.deserialize(&mut d).unwrap()
    }

    #[test]
    fn same_values_as_serde_json_with_arrays_at_their_length() {
        for text in [
            r#"[3,[1,2]]"#,
            r#"[]"#,
            r#"[1,2,3,4]"#,
            r#"[1,2,3,4,5,6,[7,[8]]]"#,
            r#"{"a":[1,"x\"y"],"b":null,"c":-2.5,"d":true,"e":18446744073709551615}"#,
            r#"[["append",1,2],["r",1,null]]"#,
        ] {
            let v = exact(text);
            assert_eq!(v, serde_json::from_str::<Value>(text).unwrap(), "{text}");
            fn tight(v: &Value) -> bool {
                match v {
                    Value::Array(a) => a.len() == a.capacity() && a.iter().all(tight),
                    Value::Object(m) => m.values().all(tight),
                    _ => true,
                }
            }
            assert!(tight(&v), "{text}");
        }
    }
}
