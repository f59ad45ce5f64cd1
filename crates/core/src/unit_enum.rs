//! Serde for the core's unit-only enums (`Consistency`, `StepName`, …): the JSON forms and error
//! messages of `#[derive(Serialize, Deserialize)]`, through one visitor shared by every such enum
//! instead of one generated per enum (about a kilobyte of page bundle each).

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Unexpected, VariantAccess, Visitor,
};
use std::fmt;

/// Implements `Serialize` and `Deserialize` for a unit-only enum from its variants, in declaration
/// order, and their JSON names. The `match` makes the compiler check that the list is complete.
macro_rules! unit_enum_serde {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let name = match self {
                    $($ty::$variant => $name),+
                };
                s.serialize_unit_variant(stringify!($ty), *self as u32, name)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const VALUES: &[$ty] = &[$($ty::$variant),+];
                let i = $crate::unit_enum::variant_index(d, stringify!($ty), &[$($name),+])?;
                // `variant_index` returns an index into the names, which pair with the values.
                Ok(VALUES[i])
            }
        }
    };
}
pub(crate) use unit_enum_serde;

/// The index of the variant named in the input among `variants`, read as the derive reads a
/// unit-only enum: a string, or an object of one key whose value is `null`.
pub(crate) fn variant_index<'de, D: Deserializer<'de>>(
    d: D,
    name: &'static str,
    variants: &'static [&'static str],
) -> Result<usize, D::Error> {
    d.deserialize_enum(name, variants, UnitEnum { name, variants })
}

struct UnitEnum {
    name: &'static str,
    variants: &'static [&'static str],
}

impl<'de> Visitor<'de> for UnitEnum {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "enum {}", self.name)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<usize, A::Error> {
        let (i, variant) = data.variant_seed(VariantName(self.variants))?;
        variant.unit_variant()?;
        Ok(i)
    }
}

/// A variant's name (or index), as the derive's field visitor reads it.
struct VariantName(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for VariantName {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for VariantName {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        match usize::try_from(v) {
            Ok(i) if i < self.0.len() => Ok(i),
            _ => Err(E::invalid_value(
                Unexpected::Unsigned(v),
                &IndexBelow(self.0.len()),
            )),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| *n == v)
            .ok_or_else(|| E::unknown_variant(v, self.0))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        self.0
            .iter()
            .position(|n| n.as_bytes() == v)
            .ok_or_else(|| E::unknown_variant(&String::from_utf8_lossy(v), self.0))
    }
}

/// The derive's message for a variant index out of range.
struct IndexBelow(usize);

impl de::Expected for IndexBelow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "variant index 0 <= i < {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::check::explorer::Status;
    use crate::link::View;
    use crate::scenario::{Endpoint, StepName};
    use serde::Deserialize;
    use serde_json::{from_str, from_value, to_string, Value};

    /// What `#[derive(Deserialize)]` generates for [`View`], to compare error messages with.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename = "View", rename_all = "snake_case")]
    enum Derived {
        Topology,
        Sequence,
    }

    #[test]
    fn reads_and_fails_as_the_derive_does() {
        for (text, view, derived) in [
            ("\"sequence\"", View::Sequence, Derived::Sequence),
            ("{\"topology\": null}", View::Topology, Derived::Topology),
        ] {
            assert_eq!(from_str::<View>(text).expect(text), view);
            assert_eq!(from_str::<Derived>(text).expect(text), derived);
        }
        for text in [
            "\"nope\"",
            "3",
            "1.5",
            "null",
            "[]",
            "{\"topology\": 1}",
            "{\"x\": null}",
            "{}",
            "{\"topology\": null, \"sequence\": null}",
        ] {
            let ours = from_str::<View>(text).expect_err(text).to_string();
            let derived = from_str::<Derived>(text).expect_err(text).to_string();
            assert_eq!(ours, derived, "{text}");
            let value: Value = from_str(text).expect("json");
            let ours = from_value::<View>(value.clone())
                .expect_err(text)
                .to_string();
            let derived = from_value::<Derived>(value).expect_err(text).to_string();
            assert_eq!(ours, derived, "{text}");
        }
    }

    #[test]
    fn writes_the_names_and_indices_of_the_derive() {
        for s in [
            Status::Running,
            Status::Complete,
            Status::StateBoundReached,
            Status::DepthBoundReached,
            Status::StoppedAtViolation,
            Status::Cancelled,
        ] {
            let text = to_string(&s).expect("json");
            assert_eq!(text, format!("\"{}\"", s.as_str()));
            assert_eq!(from_str::<Status>(&text).expect("reads"), s);
        }
        for (i, e) in Endpoint::ALL.into_iter().enumerate() {
            assert_eq!(e as usize, i);
            let text = to_string(&e).expect("json");
            assert_eq!(text, format!("\"{}\"", e.name().to_lowercase()));
            assert_eq!(from_str::<Endpoint>(&text).expect("reads"), e);
        }
        let text = to_string(&StepName::OutboxDelete).expect("json");
        assert_eq!(text, format!("\"{}\"", StepName::OutboxDelete.name()));
    }
}
