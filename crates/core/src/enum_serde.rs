//! Serde for the core's enums: the JSON forms and error messages of `#[derive(Serialize,
//! Deserialize)]`, through visitors shared by every enum instead of ones generated per enum and
//! per variant (about a kilobyte of page bundle for each unit-only enum, several for the chaos
//! rules' and the script's enums). Unit-only enums (`Consistency`, `StepName`, …) use
//! [`unit_enum_serde`]; `Action`, `When` and `Effect` describe their variants to [`read_variant`];
//! `Ratio` reads its fields with [`read_struct`], the reader of their struct variants, and so do
//! the scenario's structs with nested structs, vectors and options (`Scenario`, the settings,
//! `ScriptStep`, `ChaosRule`) and the worker's messages to the page ([`read_open_struct`],
//! [`read_open_variant`]: unknown fields skipped): one visitor for all instead of one per type.

use crate::check::explorer::{Progress, Status};
use crate::check::wire::{
    ModelSummary, ModelTrace, ModelTraceState, ModelVerdictSummary, PathSummary, ScenarioSummary,
    ScenarioVerdictSummary, ViolationAt,
};
use crate::link::View;
use crate::prng::Ratio;
use crate::scenario::{
    Action, ChaosRule, Consistency, DispatchMode, DuplicateCheck, Effect, Endpoint,
    EndpointSettings, ErrorKind, Filling, FrontendSettings, HandlerLogic, Knobs, Limits, MsgKind,
    OperationOrder, OrderKey, OrdersSettings, OutgoingIds, Scenario, ScriptStep, StepName,
    SubmitFlow, SubscriberSettings, Target, When,
};
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};
use std::fmt;

/// Implements `Serialize` and `Deserialize` for a unit-only enum from its variants, in declaration
/// order, and their JSON names. The `match` makes the compiler check that the list is complete.
macro_rules! unit_enum_serde {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// The JSON names, in declaration order (also the settings editor's choices).
            pub const NAMES: &'static [&'static str] = &[$($name),+];
            /// Every variant, in declaration order (pairs with `NAMES`).
            pub const VARIANTS: &'static [$ty] = &[$($ty::$variant),+];
        }

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
                let i = $crate::enum_serde::variant_index(d, stringify!($ty), Self::NAMES)?;
                // `variant_index` returns an index into the names, which pair with the values.
                Ok(Self::VARIANTS[i])
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

/// The type of a variant's field (or of a newtype variant's value).
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    U32,
    U64,
    Bool,
    Filling,
    Step,
    Ratio,
    OptEndpoint,
    OptMessage,
    OptFilling,
    OptRatio,
    Order,
    DuplicateCheck,
    OutgoingIds,
    Dispatch,
    Consistency,
    OptU32,
    ErrorKinds,
    Endpoint,
    Logic,
    OrderKey,
    SubmitFlow,
    Limits,
    Frontend,
    Orders,
    OptSubscriber,
    Script,
    Chaos,
    Knobs,
    Action,
    When,
    Effect,
    Target,
    Str,
    Status,
    U32s,
    OptViolation,
    OptStr,
    OptPath,
    ScenarioVerdicts,
    Strs,
    StrPairs,
    TraceStates,
    OptModelTrace,
    ModelVerdicts,
    Progress,
    ScenarioSummary,
    ModelSummary,
    Scenario,
    OptU32s,
    View,
}

/// A field's value, of its [`Kind`]; `None` where a variant has no such field. The large ones are
/// boxed so that a struct's array of values stays small.
pub(crate) enum Val {
    None,
    U32(u32),
    U64(u64),
    Bool(bool),
    Filling(Filling),
    Step(StepName),
    Ratio(Ratio),
    OptEndpoint(Option<Endpoint>),
    OptMessage(Option<MsgKind>),
    OptFilling(Option<Filling>),
    OptRatio(Option<Ratio>),
    Order(OperationOrder),
    DuplicateCheck(DuplicateCheck),
    OutgoingIds(OutgoingIds),
    Dispatch(DispatchMode),
    Consistency(Consistency),
    OptU32(Option<u32>),
    ErrorKinds(Vec<ErrorKind>),
    Endpoint(Box<EndpointSettings>),
    Logic(HandlerLogic),
    OrderKey(OrderKey),
    SubmitFlow(SubmitFlow),
    Limits(Box<Limits>),
    Frontend(Box<FrontendSettings>),
    Orders(Box<OrdersSettings>),
    OptSubscriber(Option<Box<SubscriberSettings>>),
    Script(Vec<ScriptStep>),
    Chaos(Vec<ChaosRule>),
    Knobs(Box<Knobs>),
    Action(Box<Action>),
    When(Box<When>),
    Effect(Box<Effect>),
    Target(Box<Target>),
    Str(String),
    Status(Status),
    U32s(Vec<u32>),
    OptViolation(Option<ViolationAt>),
    OptStr(Option<String>),
    OptPath(Option<Box<PathSummary>>),
    ScenarioVerdicts(Vec<ScenarioVerdictSummary>),
    Strs(Vec<String>),
    StrPairs(Vec<(String, String)>),
    TraceStates(Vec<ModelTraceState>),
    OptModelTrace(Option<Box<ModelTrace>>),
    ModelVerdicts(Vec<ModelVerdictSummary>),
    Progress(Box<Progress>),
    ScenarioSummary(Box<ScenarioSummary>),
    ModelSummary(Box<ModelSummary>),
    Scenario(Box<Scenario>),
    OptU32s(Option<Vec<u32>>),
    View(View),
}

/// The most fields of a variant or struct read here.
pub(crate) const MAX_FIELDS: usize = 10;

/// What follows a variant's name.
pub(crate) enum Shape {
    Unit,
    Newtype(Kind),
    /// Named fields (at most [`MAX_FIELDS`]), unknown fields denied; `expecting` is the derive's
    /// "struct variant Type::Variant".
    Struct {
        expecting: &'static str,
        fields: &'static [&'static str],
        kinds: &'static [Kind],
    },
}

/// Reads an externally tagged enum whose variants are described by `shapes` (in the order of
/// `variants`, their JSON names): the variant's index and its fields' values in declaration
/// order.
pub(crate) fn read_variant<'de, D: Deserializer<'de>>(
    d: D,
    name: &'static str,
    variants: &'static [&'static str],
    shapes: &'static [Shape],
) -> Result<(usize, [Val; MAX_FIELDS]), D::Error> {
    d.deserialize_enum(
        name,
        variants,
        EnumVisitor {
            name,
            variants,
            shapes,
            deny: true,
        },
    )
}

/// [`read_variant`] for an enum without `deny_unknown_fields`: its struct variants skip unknown
/// fields.
pub(crate) fn read_open_variant<'de, D: Deserializer<'de>>(
    d: D,
    name: &'static str,
    variants: &'static [&'static str],
    shapes: &'static [Shape],
) -> Result<(usize, [Val; MAX_FIELDS]), D::Error> {
    d.deserialize_enum(
        name,
        variants,
        EnumVisitor {
            name,
            variants,
            shapes,
            deny: false,
        },
    )
}

/// Reads a struct of named fields (at most [`MAX_FIELDS`], unknown fields denied) as the derive
/// does; `expecting` is the derive's "struct Type". `defaults` has bit `i` set when field `i`
/// has a default (`#[serde(default)]` on it, or [`ALL_DEFAULT`] for one on the struct): missing,
/// it is [`Val::None`], for the caller to take from the default, instead of an error.
pub(crate) fn read_struct<'de, D: Deserializer<'de>>(
    d: D,
    name: &'static str,
    expecting: &'static str,
    fields: &'static [&'static str],
    kinds: &'static [Kind],
    defaults: u32,
) -> Result<[Val; MAX_FIELDS], D::Error> {
    d.deserialize_struct(
        name,
        fields,
        FieldsVisitor {
            expecting,
            fields,
            kinds,
            defaults,
            absent_none: 0,
            deny: true,
        },
    )
}

/// Reads a struct without `deny_unknown_fields` or defaults as the derive does: unknown fields
/// skipped, every field required, except that `options` has bit `i` set when field `i` is an
/// `Option`, which the derive reads as `None` (here [`Val::None`]) when a map lacks it.
pub(crate) fn read_open_struct<'de, D: Deserializer<'de>>(
    d: D,
    name: &'static str,
    expecting: &'static str,
    fields: &'static [&'static str],
    kinds: &'static [Kind],
    options: u32,
) -> Result<[Val; MAX_FIELDS], D::Error> {
    d.deserialize_struct(
        name,
        fields,
        FieldsVisitor {
            expecting,
            fields,
            kinds,
            defaults: 0,
            absent_none: options,
            deny: false,
        },
    )
}

/// `defaults` of [`read_struct`] for a struct with `#[serde(default)]`: every field has one.
pub(crate) const ALL_DEFAULT: u32 = !0;

/// Implements `Deserialize` for a struct with `#[serde(default)]` through [`read_struct`]: the
/// struct's `Default`, then every field that was read overwrites its default. Each field is named
/// with its [`Kind`] (the [`Val`] variant of the same name); `=> *` unboxes a boxed value.
macro_rules! deserialize_all_default {
    ($ty:ident { $($field:ident: $kind:ident $(=> $op:tt)?),+ $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use $crate::enum_serde::{read_struct, Kind, Val, ALL_DEFAULT};
                const FIELDS: &[&str] = &[$(stringify!($field)),+];
                let kinds = &[$(Kind::$kind),+];
                let name = stringify!($ty);
                let expecting = concat!("struct ", stringify!($ty));
                let mut read = read_struct(d, name, expecting, FIELDS, kinds, ALL_DEFAULT)?.into_iter();
                let mut s = $ty::default();
                $(
                    if let Some(Val::$kind(x)) = read.next() {
                        s.$field = $($op)? x;
                    }
                )+
                Ok(s)
            }
        }
    };
}
pub(crate) use deserialize_all_default;

struct EnumVisitor {
    name: &'static str,
    variants: &'static [&'static str],
    shapes: &'static [Shape],
    /// `deny_unknown_fields` on the enum: its struct variants' unknown fields are errors.
    deny: bool,
}

impl<'de> Visitor<'de> for EnumVisitor {
    type Value = (usize, [Val; MAX_FIELDS]);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "enum {}", self.name)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        let (i, variant) = data.variant_seed(VariantName(self.variants))?;
        let values = match self.shapes.get(i) {
            Some(Shape::Newtype(kind)) => {
                let mut values = [const { Val::None }; MAX_FIELDS];
                values[0] = variant.newtype_variant_seed(KindSeed(*kind))?;
                values
            }
            Some(Shape::Struct {
                expecting,
                fields,
                kinds,
            }) => variant.struct_variant(
                fields,
                FieldsVisitor {
                    expecting,
                    fields,
                    kinds,
                    defaults: 0,
                    absent_none: 0,
                    deny: self.deny,
                },
            )?,
            Some(Shape::Unit) | None => {
                variant.unit_variant()?;
                [const { Val::None }; MAX_FIELDS]
            }
        };
        Ok((i, values))
    }
}

/// Reads a value of a [`Kind`].
struct KindSeed(Kind);

impl<'de> DeserializeSeed<'de> for KindSeed {
    type Value = Val;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val, D::Error> {
        match self.0 {
            Kind::U32 => u32::deserialize(d).map(Val::U32),
            Kind::U64 => u64::deserialize(d).map(Val::U64),
            Kind::Bool => bool::deserialize(d).map(Val::Bool),
            Kind::Filling => Filling::deserialize(d).map(Val::Filling),
            Kind::Step => StepName::deserialize(d).map(Val::Step),
            Kind::Ratio => Ratio::deserialize(d).map(Val::Ratio),
            Kind::OptEndpoint => Option::deserialize(d).map(Val::OptEndpoint),
            Kind::OptMessage => Option::deserialize(d).map(Val::OptMessage),
            Kind::OptFilling => Option::deserialize(d).map(Val::OptFilling),
            Kind::OptRatio => Option::deserialize(d).map(Val::OptRatio),
            Kind::Order => OperationOrder::deserialize(d).map(Val::Order),
            Kind::DuplicateCheck => DuplicateCheck::deserialize(d).map(Val::DuplicateCheck),
            Kind::OutgoingIds => OutgoingIds::deserialize(d).map(Val::OutgoingIds),
            Kind::Dispatch => DispatchMode::deserialize(d).map(Val::Dispatch),
            Kind::Consistency => Consistency::deserialize(d).map(Val::Consistency),
            Kind::OptU32 => Option::deserialize(d).map(Val::OptU32),
            Kind::ErrorKinds => Vec::deserialize(d).map(Val::ErrorKinds),
            Kind::Endpoint => Box::deserialize(d).map(Val::Endpoint),
            Kind::Logic => HandlerLogic::deserialize(d).map(Val::Logic),
            Kind::OrderKey => OrderKey::deserialize(d).map(Val::OrderKey),
            Kind::SubmitFlow => SubmitFlow::deserialize(d).map(Val::SubmitFlow),
            Kind::Limits => Box::deserialize(d).map(Val::Limits),
            Kind::Frontend => Box::deserialize(d).map(Val::Frontend),
            Kind::Orders => Box::deserialize(d).map(Val::Orders),
            Kind::OptSubscriber => Option::deserialize(d).map(Val::OptSubscriber),
            Kind::Script => Vec::deserialize(d).map(Val::Script),
            Kind::Chaos => Vec::deserialize(d).map(Val::Chaos),
            Kind::Knobs => Box::deserialize(d).map(Val::Knobs),
            Kind::Action => Box::deserialize(d).map(Val::Action),
            Kind::When => Box::deserialize(d).map(Val::When),
            Kind::Effect => Box::deserialize(d).map(Val::Effect),
            Kind::Target => Box::deserialize(d).map(Val::Target),
            Kind::Str => String::deserialize(d).map(Val::Str),
            Kind::Status => Status::deserialize(d).map(Val::Status),
            Kind::U32s => Vec::deserialize(d).map(Val::U32s),
            Kind::OptViolation => Option::deserialize(d).map(Val::OptViolation),
            Kind::OptStr => Option::deserialize(d).map(Val::OptStr),
            Kind::OptPath => Option::deserialize(d).map(Val::OptPath),
            Kind::ScenarioVerdicts => Vec::deserialize(d).map(Val::ScenarioVerdicts),
            Kind::Strs => Vec::deserialize(d).map(Val::Strs),
            Kind::StrPairs => Vec::deserialize(d).map(Val::StrPairs),
            Kind::TraceStates => Vec::deserialize(d).map(Val::TraceStates),
            Kind::OptModelTrace => Option::deserialize(d).map(Val::OptModelTrace),
            Kind::ModelVerdicts => Vec::deserialize(d).map(Val::ModelVerdicts),
            Kind::Progress => Box::deserialize(d).map(Val::Progress),
            Kind::ScenarioSummary => Box::deserialize(d).map(Val::ScenarioSummary),
            Kind::ModelSummary => Box::deserialize(d).map(Val::ModelSummary),
            Kind::Scenario => Box::deserialize(d).map(Val::Scenario),
            Kind::OptU32s => Option::deserialize(d).map(Val::OptU32s),
            Kind::View => View::deserialize(d).map(Val::View),
        }
    }
}

/// A struct's or a struct variant's fields, as the derive reads them with `deny_unknown_fields`
/// (and with a field's default where `defaults` has its bit).
struct FieldsVisitor {
    expecting: &'static str,
    fields: &'static [&'static str],
    kinds: &'static [Kind],
    defaults: u32,
    /// Fields that a map may lack (an `Option` without a default, read as `None`); a sequence
    /// may not.
    absent_none: u32,
    /// `deny_unknown_fields`; without it an unknown field is skipped.
    deny: bool,
}

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = [Val; MAX_FIELDS];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut values = [const { Val::None }; MAX_FIELDS];
        for (i, (slot, kind)) in values.iter_mut().zip(self.kinds).enumerate() {
            match seq.next_element_seed(KindSeed(*kind))? {
                Some(value) => *slot = value,
                // A field with a default takes it, as the derive's does; a sequence that
                // ended stays ended, so the rest are read as absent too.
                None if self.defaults & (1 << i) != 0 => {}
                None => {
                    let expected = Elements(self.expecting, self.kinds.len());
                    return Err(de::Error::invalid_length(i, &expected));
                }
            }
        }
        Ok(values)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values = [const { Val::None }; MAX_FIELDS];
        let names = FieldName {
            fields: self.fields,
            deny: self.deny,
        };
        while let Some(i) = map.next_key_seed(names)? {
            let (Some(slot), Some(kind)) = (values.get_mut(i), self.kinds.get(i)) else {
                // An unknown field of a struct that does not deny them (`FieldName` names no
                // other): skipped.
                map.next_value::<de::IgnoredAny>()?;
                continue;
            };
            if !matches!(slot, Val::None) {
                return Err(de::Error::duplicate_field(self.fields[i]));
            }
            *slot = map.next_value_seed(KindSeed(*kind))?;
        }
        for (i, (value, field)) in values.iter().zip(self.fields).enumerate() {
            if matches!(value, Val::None) && (self.defaults | self.absent_none) & (1 << i) == 0 {
                return Err(de::Error::missing_field(field));
            }
        }
        Ok(values)
    }
}

/// The derive's message for a struct variant given as a too short array.
struct Elements(&'static str, usize);

impl de::Expected for Elements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            1 => write!(f, "{} with 1 element", self.0),
            n => write!(f, "{} with {n} elements", self.0),
        }
    }
}

/// A field's index, as the derive's field visitor reads its name; with `deny` an unknown name is
/// an error, without it the index is `fields.len()`, for the caller to skip the value.
#[derive(Clone, Copy)]
struct FieldName {
    fields: &'static [&'static str],
    deny: bool,
}

impl<'de> DeserializeSeed<'de> for FieldName {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldName {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        let n = self.fields.len();
        match usize::try_from(v) {
            Ok(i) if i < n => Ok(i),
            _ if !self.deny => Ok(n),
            _ => Err(E::invalid_value(
                Unexpected::Unsigned(v),
                &FieldIndexBelow(n),
            )),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        match self.fields.iter().position(|n| *n == v) {
            Some(i) => Ok(i),
            None if !self.deny => Ok(self.fields.len()),
            None => Err(E::unknown_field(v, self.fields)),
        }
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        match self.fields.iter().position(|n| n.as_bytes() == v) {
            Some(i) => Ok(i),
            None if !self.deny => Ok(self.fields.len()),
            None => Err(E::unknown_field(&String::from_utf8_lossy(v), self.fields)),
        }
    }
}

/// The derive's message for a field index out of range.
struct FieldIndexBelow(usize);

impl de::Expected for FieldIndexBelow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "field index 0 <= i < {}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::check::explorer::Status;
    use crate::link::View;
    use crate::scenario::{Endpoint, StepName};
    use serde::{Deserialize, Serialize};
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

    /// What `#[derive(Deserialize)]` generates for the enums [`super::read_variant`] reads (same
    /// names, so that the messages name the same types), to compare results and messages with.
    mod derived {
        use crate::ids::OrderId;
        use crate::prng::Ratio as CoreRatio;
        use crate::scenario::{
            Action as CoreAction, ChaosRule as CoreChaosRule, Effect as CoreEffect,
            EndpointSettings as CoreEndpointSettings, FrontendSettings as CoreFrontendSettings,
            HandlerLogic as CoreHandlerLogic, Knobs as CoreKnobs, Limits as CoreLimits,
            OrdersSettings as CoreOrdersSettings, ScriptStep as CoreScriptStep,
            SubscriberSettings as CoreSubscriberSettings, Target as CoreTarget, When as CoreWhen,
        };
        use crate::scenario::{
            Consistency, DispatchMode, DuplicateCheck, Endpoint, ErrorKind, Filling, MsgKind,
            OperationOrder, OrderKey, OutgoingIds, StepName, SubmitFlow,
        };
        use serde::{Deserialize, Serialize};

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct Limits {
            max_events: u32,
            max_queue_len: u32,
            max_script_steps: u32,
            max_time_ms: u64,
            max_request_retries: u32,
        }

        impl Default for Limits {
            fn default() -> Self {
                let l = crate::scenario::Limits::default();
                Limits {
                    max_events: l.max_events,
                    max_queue_len: l.max_queue_len,
                    max_script_steps: l.max_script_steps,
                    max_time_ms: l.max_time_ms,
                    max_request_retries: l.max_request_retries,
                }
            }
        }

        #[derive(Default, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct HandlerLogic {
            order: OperationOrder,
            duplicate_check: DuplicateCheck,
            republish_on_duplicate: bool,
            outgoing_ids: OutgoingIds,
            dispatch: DispatchMode,
            consistency: Consistency,
            first_item_added: bool,
        }

        #[derive(Default, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct Target {
            endpoint: Option<Endpoint>,
            message: Option<MsgKind>,
            filling: Option<Filling>,
        }

        #[derive(Default, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct Knobs {
            duplicate_rate: Option<CoreRatio>,
            delay_rate: Option<CoreRatio>,
            delay_ms: u64,
            commit_failure_rate: Option<CoreRatio>,
            crash_rate: Option<CoreRatio>,
            lost_ack_rate: Option<CoreRatio>,
        }

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct EndpointSettings {
            concurrency: u32,
            lease_ms: u64,
            immediate_retries: u32,
            unrecoverable: Vec<ErrorKind>,
            step_ms: u64,
        }

        impl Default for EndpointSettings {
            fn default() -> Self {
                let e = crate::scenario::EndpointSettings::default();
                EndpointSettings {
                    concurrency: e.concurrency,
                    lease_ms: e.lease_ms,
                    immediate_retries: e.immediate_retries,
                    unrecoverable: e.unrecoverable,
                    step_ms: e.step_ms,
                }
            }
        }

        #[derive(Default, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct OrdersSettings {
            endpoint: CoreEndpointSettings,
            submit_order: CoreHandlerLogic,
            add_item: CoreHandlerLogic,
            remove_item: CoreHandlerLogic,
            order_key: OrderKey,
        }

        #[derive(Default, Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct SubscriberSettings {
            endpoint: CoreEndpointSettings,
            logic: CoreHandlerLogic,
        }

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct FrontendSettings {
            submit_flow: SubmitFlow,
            submit_via_send_local: bool,
            endpoint: CoreEndpointSettings,
            send_submit_order: CoreHandlerLogic,
            importer_retry_ms: u64,
        }

        impl Default for FrontendSettings {
            fn default() -> Self {
                let f = crate::scenario::FrontendSettings::default();
                FrontendSettings {
                    submit_flow: f.submit_flow,
                    submit_via_send_local: f.submit_via_send_local,
                    endpoint: f.endpoint,
                    send_submit_order: f.send_submit_order,
                    importer_retry_ms: f.importer_retry_ms,
                }
            }
        }

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ScriptStep {
            at_ms: u64,
            action: CoreAction,
        }

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ChaosRule {
            #[serde(default)]
            target: CoreTarget,
            when: CoreWhen,
            effect: CoreEffect,
            #[serde(default)]
            once_group: Option<u32>,
        }

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Scenario {
            format: u32,
            #[serde(default)]
            seed: u64,
            #[serde(default)]
            limits: CoreLimits,
            #[serde(default)]
            frontend: CoreFrontendSettings,
            #[serde(default)]
            orders: CoreOrdersSettings,
            #[serde(default)]
            shipping: Option<CoreSubscriberSettings>,
            #[serde(default)]
            marketing: Option<CoreSubscriberSettings>,
            #[serde(default)]
            script: Vec<CoreScriptStep>,
            #[serde(default)]
            chaos: Vec<CoreChaosRule>,
            #[serde(default)]
            knobs: CoreKnobs,
        }

        #[derive(Serialize, Deserialize)]
        #[serde(rename_all = "snake_case", deny_unknown_fields)]
        pub enum Action {
            SubmitOrder { order: OrderId },
            AddItem { order: OrderId, filling: Filling },
            RemoveItem { order: OrderId, filling: Filling },
            Import { order: OrderId, filling: Filling },
            CartAdd { cart: OrderId, filling: Filling },
            CartRemove { cart: OrderId, filling: Filling },
            Submit { cart: OrderId },
        }

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Ratio {
            num: u32,
            den: u32,
        }

        #[derive(Serialize, Deserialize)]
        #[serde(rename_all = "snake_case", deny_unknown_fields)]
        pub enum When {
            First,
            Nth { n: u32 },
            Every,
            EveryNth { n: u32, from: u32 },
            Probability(Ratio),
        }

        #[derive(Serialize, Deserialize)]
        #[serde(rename_all = "snake_case", deny_unknown_fields)]
        pub enum Effect {
            Duplicate { delay_ms: u64 },
            Delay { delay_ms: u64 },
            Drop,
            FailPublish { broker_has_it: bool, after_ms: u64 },
            FailCommit,
            Slow { after: StepName, delay_ms: u64 },
            Crash { after: StepName },
            Hang { after: StepName, delay_ms: u64 },
        }
    }

    /// Ours and the derive's read `text` alike: the same value (as JSON, the derive writing
    /// both) or the same message, from text and from a `serde_json::Value`.
    fn same<T, U>(text: &str)
    where
        T: Serialize + for<'de> Deserialize<'de>,
        U: Serialize + for<'de> Deserialize<'de>,
    {
        fn show<V: Serialize>(r: Result<V, serde_json::Error>) -> String {
            match r {
                Ok(v) => to_string(&v).expect("json"),
                Err(e) => format!("error: {e}"),
            }
        }
        assert_eq!(
            show(from_str::<T>(text)),
            show(from_str::<U>(text)),
            "{text}"
        );
        if let Ok(value) = from_str::<Value>(text) {
            let ours = show(from_value::<T>(value.clone()));
            assert_eq!(ours, show(from_value::<U>(value)), "{text} as a value");
        }
    }

    /// Inputs that every enum must read (or refuse) as the derive does.
    const ODD: &[&str] = &[
        "\"nope\"",
        "3",
        "null",
        "[]",
        "{}",
        "{\"x\": {}}",
        "{\"a\": 1, \"b\": 2}",
    ];

    #[test]
    fn struct_variants_read_and_fail_as_the_derive_does() {
        use crate::scenario::{Action, Effect, When};
        let actions = [
            "submit_order",
            "add_item",
            "remove_item",
            "import",
            "cart_add",
            "cart_remove",
            "submit",
        ];
        for name in actions {
            for body in [
                "{\"order\": 3, \"filling\": \"Meat\"}",
                "{\"filling\": \"Strawberry\", \"order\": 3}",
                "{\"cart\": 3, \"filling\": \"SwissCheese\"}",
                "{\"order\": 3}",
                "{\"cart\": 4}",
                "{\"order\": 3, \"order\": 4}",
                "{\"order\": 3, \"filling\": \"Meat\", \"extra\": 1}",
                "{\"order\": -1}",
                "{\"order\": 3, \"filling\": \"Tofu\"}",
                "{}",
                "[3]",
                "[3, \"Meat\"]",
                "[3, \"Meat\", 4]",
                "[]",
                "null",
                "7",
            ] {
                same::<Action, derived::Action>(&format!("{{\"{name}\": {body}}}"));
            }
            same::<Action, derived::Action>(&format!("\"{name}\""));
        }
        for name in ["first", "nth", "every", "every_nth", "probability"] {
            for body in [
                "null",
                "{\"n\": 2}",
                "{\"n\": 2, \"from\": 1}",
                "{\"from\": 1}",
                "{\"num\": 1, \"den\": 3}",
                "{\"num\": 1}",
                "[2, 1]",
                "[2]",
                "\"x\"",
            ] {
                same::<When, derived::When>(&format!("{{\"{name}\": {body}}}"));
            }
            same::<When, derived::When>(&format!("\"{name}\""));
        }
        let effects = [
            "duplicate",
            "delay",
            "drop",
            "fail_publish",
            "fail_commit",
            "slow",
            "crash",
            "hang",
        ];
        for name in effects {
            for body in [
                "null",
                "{\"delay_ms\": 5}",
                "{\"broker_has_it\": true, \"after_ms\": 2}",
                "{\"after_ms\": 2, \"broker_has_it\": false}",
                "{\"broker_has_it\": 1, \"after_ms\": 2}",
                "{\"after\": \"commit\", \"delay_ms\": 9}",
                "{\"after\": \"commit\"}",
                "{\"after\": \"nowhere\"}",
                "{\"delay_ms\": 5, \"delay_ms\": 6}",
                "[\"load\", 3]",
                "[true]",
                "{}",
            ] {
                same::<Effect, derived::Effect>(&format!("{{\"{name}\": {body}}}"));
            }
            same::<Effect, derived::Effect>(&format!("\"{name}\""));
        }
        for text in [
            "{\"num\": 1, \"den\": 3}",
            "{\"den\": 3, \"num\": 1}",
            "{\"num\": 1}",
            "{\"num\": 1, \"den\": 3, \"x\": 0}",
            "{\"num\": 1, \"num\": 2}",
            "{\"num\": -1, \"den\": 3}",
            "[1, 3]",
            "[1]",
            "[]",
            "\"1/3\"",
        ] {
            same::<crate::prng::Ratio, derived::Ratio>(text);
        }
        for text in [
            "{}",
            "{\"max_events\": 5}",
            "{\"max_time_ms\": 5, \"max_events\": 7}",
            "{\"max_events\": 5, \"max_events\": 6}",
            "{\"max_events\": -5}",
            "{\"max_events\": 5, \"speed\": 1}",
            "[1, 2]",
            "[1, 2, 3, 4, 5]",
            "[1, 2, 3, 4, 5, 6]",
            "[]",
        ] {
            same::<crate::scenario::Limits, derived::Limits>(text);
        }
        for text in [
            "{}",
            "{\"endpoint\": null}",
            "{\"endpoint\": \"orders\", \"filling\": \"Meat\"}",
            "{\"message\": \"AddItem\", \"message\": null}",
            "{\"message\": \"Nope\"}",
            "{\"endpoint\": 3}",
            "{\"filling\": \"Meat\", \"step\": \"load\"}",
            "[\"shipping\"]",
            "[null, \"ItemAdded\", \"Strawberry\"]",
        ] {
            same::<crate::scenario::Target, derived::Target>(text);
        }
        for text in [
            "{}",
            "{\"delay_ms\": 7}",
            "{\"duplicate_rate\": {\"num\": 1, \"den\": 2}, \"crash_rate\": null}",
            "{\"lost_ack_rate\": {\"num\": 1}}",
            "{\"delay_rate\": 0.5}",
            "{\"crash\": 1}",
            "{\"delay_ms\": 1, \"delay_ms\": 2}",
            "[null, {\"num\": 1, \"den\": 3}, 4]",
        ] {
            same::<crate::scenario::Knobs, derived::Knobs>(text);
        }
        for text in [
            "{}",
            "{\"order\": \"store_then_publish\", \"first_item_added\": true}",
            "{\"consistency\": \"outbox_inbox\", \"dispatch\": \"batched\", \"duplicate_check\": \"processed_ids\", \"outgoing_ids\": \"deterministic\", \"republish_on_duplicate\": true}",
            "{\"consistency\": \"nope\"}",
            "{\"consistency\": \"plain\", \"consistency\": \"plain\"}",
            "{\"republish_on_duplicate\": 1}",
            "{\"retries\": 1}",
            "[\"store_then_publish\", \"none\", false, \"random\", \"immediate\", \"tokens\", true]",
            "[\"store_then_publish\"]",
        ] {
            same::<crate::scenario::HandlerLogic, derived::HandlerLogic>(text);
        }
        for text in ODD {
            nested_structs_read_and_fail_as_the_derive_does(text);
            same::<crate::scenario::HandlerLogic, derived::HandlerLogic>(text);
            same::<crate::scenario::Limits, derived::Limits>(text);
            same::<crate::scenario::Target, derived::Target>(text);
            same::<crate::scenario::Knobs, derived::Knobs>(text);
            same::<crate::prng::Ratio, derived::Ratio>(text);
            same::<Action, derived::Action>(text);
            same::<When, derived::When>(text);
            same::<Effect, derived::Effect>(text);
        }
    }
    /// One input for every struct with fields of nested structs, vectors and options.
    fn nested_structs_read_and_fail_as_the_derive_does(text: &str) {
        use crate::scenario as core;
        same::<core::EndpointSettings, derived::EndpointSettings>(text);
        same::<core::OrdersSettings, derived::OrdersSettings>(text);
        same::<core::SubscriberSettings, derived::SubscriberSettings>(text);
        same::<core::FrontendSettings, derived::FrontendSettings>(text);
        same::<core::ScriptStep, derived::ScriptStep>(text);
        same::<core::ChaosRule, derived::ChaosRule>(text);
        same::<core::Scenario, derived::Scenario>(text);
    }

    #[test]
    fn nested_structs_read_and_fail_as_the_derive_does_on_their_inputs() {
        use crate::scenario as core;
        let endpoint = "{\"concurrency\": 2, \"unrecoverable\": [\"crash\"], \"step_ms\": 3}";
        for text in [
            endpoint,
            "{\"lease_ms\": 5, \"lease_ms\": 6}",
            "{\"unrecoverable\": [\"nope\"]}",
            "{\"unrecoverable\": \"crash\"}",
            "{\"retries\": 1}",
            "[1, 2, 3, [\"token_lost\"], 4]",
            "[1, 2]",
            "[1, 2, 3, [], 4, 5]",
        ] {
            same::<core::EndpointSettings, derived::EndpointSettings>(text);
        }
        for text in [
            &format!("{{\"endpoint\": {endpoint}, \"order_key\": \"fresh\"}}"),
            "{\"add_item\": {\"first_item_added\": true}, \"remove_item\": {}}",
            "{\"submit_order\": {\"x\": 1}}",
            "{\"order_key\": \"fresh\", \"order_key\": \"fresh\"}",
            "{\"endpoint\": null}",
            "{\"handlers\": 1}",
            "[{}, {}, {}, {}, \"from_message\"]",
            "[{}]",
        ] {
            same::<core::OrdersSettings, derived::OrdersSettings>(text);
        }
        for text in [
            "{\"logic\": {\"dispatch\": \"batched\"}}",
            &format!("{{\"endpoint\": {endpoint}}}"),
            "{\"logic\": 1}",
            "{\"logic\": {}, \"logic\": {}}",
            "{\"endpoints\": {}}",
            "[{}, {}]",
            "[{}, {}, {}]",
        ] {
            same::<core::SubscriberSettings, derived::SubscriberSettings>(text);
        }
        for text in [
            "{\"submit_flow\": \"submit_once\", \"submit_via_send_local\": true}",
            "{\"importer_retry_ms\": 9, \"send_submit_order\": {\"order\": \"publish_then_store\"}}",
            "{\"submit_flow\": \"nope\"}",
            "{\"importer_retry_ms\": 1, \"importer_retry_ms\": 1}",
            "{\"flow\": 1}",
            "[\"save_then_send\", false]",
            "[\"save_then_send\", false, {}, {}, 4, 5]",
        ] {
            same::<core::FrontendSettings, derived::FrontendSettings>(text);
        }
        for text in [
            "{\"at_ms\": 5, \"action\": {\"submit\": {\"cart\": 1}}}",
            "{\"action\": {\"submit\": {\"cart\": 1}}}",
            "{\"at_ms\": 5}",
            "{\"at_ms\": 5, \"at_ms\": 5}",
            "{\"at_ms\": 5, \"action\": \"submit\"}",
            "{\"at_ms\": 5, \"action\": {\"submit\": {\"cart\": 1}}, \"x\": 1}",
            "[5, {\"submit\": {\"cart\": 1}}]",
            "[5]",
        ] {
            same::<core::ScriptStep, derived::ScriptStep>(text);
        }
        for text in [
            "{\"when\": \"first\", \"effect\": \"drop\"}",
            "{\"target\": {\"endpoint\": \"orders\"}, \"when\": {\"nth\": {\"n\": 2}}, \"effect\": \"fail_commit\", \"once_group\": 1}",
            "{\"effect\": \"drop\", \"when\": \"every\", \"once_group\": null}",
            "{\"when\": \"first\"}",
            "{\"effect\": \"drop\"}",
            "{\"target\": {}}",
            "{\"when\": \"first\", \"when\": \"first\", \"effect\": \"drop\"}",
            "{\"when\": \"first\", \"effect\": \"drop\", \"group\": 1}",
            "[{}, \"first\", \"drop\", 3]",
            "[{}, \"first\", \"drop\"]",
            "[{}, \"first\"]",
            "[{}]",
        ] {
            same::<core::ChaosRule, derived::ChaosRule>(text);
        }
        for text in [
            "{\"format\": 1}",
            "{\"seed\": 3}",
            "{\"format\": 1, \"format\": 1}",
            "{\"format\": 1, \"shipping\": {}, \"marketing\": null, \"seed\": 9}",
            "{\"format\": 1, \"script\": [{\"at_ms\": 1, \"action\": {\"submit\": {\"cart\": 2}}}], \"chaos\": [{\"when\": \"every\", \"effect\": \"drop\"}]}",
            "{\"format\": 1, \"knobs\": {\"delay_ms\": 4}, \"limits\": {\"max_events\": 3}, \"frontend\": {}, \"orders\": {}}",
            "{\"format\": 1, \"script\": {}}",
            "{\"format\": 1, \"chaos\": [{}]}",
            "{\"format\": 1, \"check\": {}}",
            "{\"format\": -1}",
            "[1, 2]",
            "[1, 2, {}, {}, {}, null, {}, [], [], {}]",
            "[1, 2, {}, {}, {}, null, {}, [], [], {}, 5]",
        ] {
            same::<core::Scenario, derived::Scenario>(text);
        }
        for (name, text) in crate::presets::files() {
            let preset: Value = from_str(text).expect(name);
            same::<core::Scenario, derived::Scenario>(&preset["scenario"].to_string());
        }
    }

    /// What `#[derive(Deserialize)]` generates for the worker's messages (same names, so that
    /// the messages name the same types), to compare results and messages with.
    mod derived_wire {
        use crate::check::explorer::{Progress as CoreProgress, Status};
        use crate::check::wire::{
            ModelSummary as CoreModelSummary, ModelTrace as CoreModelTrace,
            ModelTraceState as CoreModelTraceState, ModelVerdictSummary as CoreModelVerdictSummary,
            PathSummary as CorePathSummary, ScenarioSummary as CoreScenarioSummary,
            ScenarioVerdictSummary as CoreScenarioVerdictSummary, ViolationAt as CoreViolationAt,
        };
        use serde::{Deserialize, Serialize};

        #[derive(Serialize, Deserialize)]
        pub enum Update {
            Ready,
            Progress {
                progress: CoreProgress,
                elapsed_us: u64,
            },
            ScenarioDone {
                report: CoreScenarioSummary,
                elapsed_us: u64,
            },
            ModelDone {
                report: CoreModelSummary,
                elapsed_us: u64,
            },
            Failed(String),
        }

        #[derive(Serialize, Deserialize)]
        pub struct Progress {
            distinct_states: u64,
            generated_states: u64,
            depth: u32,
            queued_states: u64,
            violated_invariants: u32,
            status: Status,
        }

        #[derive(Serialize, Deserialize)]
        pub struct ViolationAt {
            event: u32,
            message: String,
        }

        #[derive(Serialize, Deserialize)]
        pub struct PathSummary {
            path: Vec<u32>,
            events: u32,
            violation: Option<CoreViolationAt>,
            replay_error: Option<String>,
        }

        #[derive(Serialize, Deserialize)]
        pub struct ScenarioVerdictSummary {
            name: String,
            counterexample: Option<CorePathSummary>,
        }

        #[derive(Serialize, Deserialize)]
        pub struct ScenarioSummary {
            distinct_states: u64,
            generated_states: u64,
            steps_fully_explored: u32,
            bytes_per_state: u64,
            status: Status,
            scope: String,
            invariants: Vec<CoreScenarioVerdictSummary>,
        }

        #[derive(Serialize, Deserialize)]
        pub struct ModelTraceState {
            step: String,
            vars: Vec<(String, String)>,
            changed: Vec<String>,
            violated: Vec<u32>,
        }

        #[derive(Serialize, Deserialize)]
        pub struct ModelTrace {
            title: String,
            invariant: String,
            invariants: Vec<String>,
            states: Vec<CoreModelTraceState>,
        }

        #[derive(Serialize, Deserialize)]
        pub struct ModelVerdictSummary {
            name: String,
            counterexample: Option<CoreModelTrace>,
        }

        #[derive(Serialize, Deserialize)]
        pub struct ModelSummary {
            variant: String,
            max_failures: u32,
            messages: u32,
            distinct_states: u64,
            generated_states: u64,
            depth: u32,
            status: Status,
            bytes_per_state: u64,
            invariants: Vec<CoreModelVerdictSummary>,
        }
    }

    /// Every worker message type reads `text` as the derive does.
    fn wire_reads_as_the_derive_does(text: &str) {
        use crate::check::explorer::Progress;
        use crate::check::wire::*;
        same::<Update, derived_wire::Update>(text);
        same::<Progress, derived_wire::Progress>(text);
        same::<ViolationAt, derived_wire::ViolationAt>(text);
        same::<PathSummary, derived_wire::PathSummary>(text);
        same::<ScenarioVerdictSummary, derived_wire::ScenarioVerdictSummary>(text);
        same::<ScenarioSummary, derived_wire::ScenarioSummary>(text);
        same::<ModelTraceState, derived_wire::ModelTraceState>(text);
        same::<ModelTrace, derived_wire::ModelTrace>(text);
        same::<ModelVerdictSummary, derived_wire::ModelVerdictSummary>(text);
        same::<ModelSummary, derived_wire::ModelSummary>(text);
    }

    #[test]
    fn worker_messages_read_and_fail_as_the_derive_does() {
        use crate::check::message_handler::{MessageHandler, Variant};
        use crate::check::wire::Update;
        use crate::check::{Bounds, Explorer, ScenarioChecker};
        use crate::scenario::CheckBounds;
        let scenario = crate::presets::get("c05-before").expect("preset").scenario;
        let mut checker =
            ScenarioChecker::new(&scenario, &CheckBounds::default()).expect("checker");
        let scenario_report = checker.run_to_end().summary();
        let model = MessageHandler::new(Variant::SendThenUpdate, 1, 1).expect("model");
        let mut explorer = Explorer::new(model.clone(), Bounds::default()).expect("explorer");
        let model_report = model.summary(&explorer.run_to_end());
        let mut texts = vec![
            to_string(&Update::Ready).expect("json"),
            to_string(&Update::Failed("no".into())).expect("json"),
            to_string(&Update::ScenarioDone {
                report: scenario_report.clone(),
                elapsed_us: 3,
            })
            .expect("json"),
            to_string(&Update::ModelDone {
                report: model_report.clone(),
                elapsed_us: 4,
            })
            .expect("json"),
            to_string(&scenario_report).expect("json"),
            to_string(&model_report).expect("json"),
        ];
        for v in &scenario_report.invariants {
            texts.push(to_string(v).expect("json"));
            if let Some(p) = &v.counterexample {
                texts.push(to_string(p).expect("json"));
                texts.push(to_string(&p.violation).expect("json"));
            }
        }
        for v in &model_report.invariants {
            texts.push(to_string(v).expect("json"));
            if let Some(t) = &v.counterexample {
                texts.push(to_string(t).expect("json"));
                texts.push(to_string(&t.states[1]).expect("json"));
            }
        }
        let progress = "{\"distinct_states\": 1, \"generated_states\": 2, \"depth\": 3, \"queued_states\": 4, \"violated_invariants\": 5, \"status\": \"running\"}";
        texts.push(progress.to_string());
        texts.push(format!(
            "{{\"Progress\": {{\"progress\": {progress}, \"elapsed_us\": 9, \"x\": [1]}}}}"
        ));
        for text in [
            "{\"Progress\": {\"elapsed_us\": 9}}",
            "{\"Progress\": {\"elapsed_us\": 9, \"elapsed_us\": 9}}",
            "{\"Progress\": [{}, 9]}",
            "{\"Failed\": 3}",
            "{\"Ready\": null}",
            "\"Failed\"",
            "{\"event\": 1, \"message\": \"m\", \"extra\": {\"a\": [1, 2]}}",
            "{\"event\": 1, \"event\": 1}",
            "{\"message\": \"m\"}",
            "[1, \"m\"]",
            "[1, \"m\", 3]",
            "[1]",
            "{\"path\": [1, 2], \"events\": 3}",
            "{\"path\": [1, 2], \"events\": 3, \"violation\": null, \"replay_error\": \"r\", \"y\": 0}",
            "[[1], 3, null, null]",
            "[[1], 3, null]",
            "[[1], 3]",
            "{\"name\": \"n\"}",
            "{\"name\": \"n\", \"counterexample\": null, \"name\": \"m\"}",
            "{\"counterexample\": null}",
            "[\"n\"]",
            "{\"step\": \"s\", \"vars\": [[\"a\", \"b\"]], \"changed\": [], \"violated\": [1]}",
            "{\"step\": \"s\", \"vars\": [[\"a\"]], \"changed\": [], \"violated\": [1]}",
            "{\"title\": \"t\", \"invariant\": \"i\", \"invariants\": [], \"states\": []}",
            "{\"title\": \"t\", \"invariant\": \"i\", \"invariants\": []}",
            "{\"0\": 1}",
        ] {
            texts.push(text.to_string());
        }
        for text in ODD {
            texts.push(text.to_string());
        }
        for text in &texts {
            wire_reads_as_the_derive_does(text);
        }
    }

    /// What `#[derive(Deserialize)]` generates for a link's and a preset's contents.
    mod derived_files {
        use crate::link::View;
        use crate::scenario::Scenario;
        use serde::{Deserialize, Serialize};

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct SharedMoment {
            scenario: Scenario,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            at_event: Option<u32>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            path: Option<Vec<u32>>,
            #[serde(default)]
            view: View,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            selected: Option<String>,
        }

        #[derive(Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Preset {
            id: String,
            title: String,
            exercise: String,
            description: String,
            scenario: Scenario,
        }
    }

    #[test]
    fn links_and_presets_read_and_fail_as_the_derive_does() {
        use crate::link::SharedMoment;
        use crate::presets::Preset;
        let s = "{\"format\": 1}";
        let mut texts: Vec<String> = [
            format!("{{\"scenario\": {s}}}"),
            format!("{{\"scenario\": {s}, \"at_event\": 3, \"path\": [1, 0], \"view\": \"sequence\", \"selected\": \"m1\"}}"),
            format!("{{\"view\": \"topology\", \"scenario\": {s}, \"path\": null}}"),
            format!("{{\"scenario\": {s}, \"scenario\": {s}}}"),
            format!("{{\"scenario\": {s}, \"zoom\": 2}}"),
            format!("{{\"scenario\": {s}, \"view\": \"side\"}}"),
            format!("{{\"scenario\": {s}, \"at_event\": -1}}"),
            "{\"at_event\": 1}".to_string(),
            format!("[{s}, 1, [2], \"sequence\", \"x\"]"),
            format!("[{s}]"),
            "[]".to_string(),
            format!("{{\"id\": \"a\", \"title\": \"b\", \"exercise\": \"c\", \"description\": \"d\", \"scenario\": {s}}}"),
            format!("{{\"id\": \"a\", \"title\": \"b\", \"exercise\": \"c\", \"scenario\": {s}}}"),
            "{\"id\": \"a\", \"id\": \"b\"}".to_string(),
            format!("{{\"id\": \"a\", \"title\": \"b\", \"exercise\": \"c\", \"description\": \"d\", \"scenario\": {s}, \"tags\": []}}"),
            format!("[\"a\", \"b\", \"c\", \"d\", {s}]"),
            "[\"a\", \"b\"]".to_string(),
        ]
        .into();
        texts.extend(ODD.iter().map(|t| t.to_string()));
        texts.extend(crate::presets::files().iter().map(|(_, t)| t.to_string()));
        for text in &texts {
            same::<SharedMoment, derived_files::SharedMoment>(text);
            same::<Preset, derived_files::Preset>(text);
        }
    }
}
