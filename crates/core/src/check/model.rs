//! The interface between a model (the reference TLA+ model, later the messaging world) and the
//! explorers.

use core::fmt::Debug;
use core::hash::Hash;

use super::fingerprint::fingerprint_of;

/// The most invariants one model can name: violations are collected as bits of a `u64`.
pub const MAX_INVARIANTS: usize = 64;

/// The most choices one state may offer: the parent links store the choice position in a `u8`.
pub const MAX_CHOICES_PER_STATE: usize = 256;

/// A finite transition system the explorers can search exhaustively.
///
/// Everything must be deterministic: `choices` lists the enabled choices of a state in the same
/// order every time, and `apply` gives the same successor for the same state and choice. A
/// counterexample is stored as the positions of its choices in these lists, and replaying those
/// positions from the same initial state must reproduce the same states.
pub trait Model {
    /// One state. Two states are the same state exactly when they are `==`; `Hash` must agree.
    type State: Clone + Eq + Hash + Debug;
    /// One choice point outcome (which message is received, whether a step fails, ...).
    type Choice: Clone + Eq + Debug;

    /// Appends the initial states to `out`, in a deterministic order.
    fn init_states(&self, out: &mut Vec<Self::State>);

    /// Appends the choices enabled in `state` to `out` (at most [`MAX_CHOICES_PER_STATE`]); none
    /// means the state is terminal (TLC with `-deadlock` treats that as a normal end).
    fn choices(&self, state: &Self::State, out: &mut Vec<Self::Choice>);

    /// The successor of `state` under `choice`, which `choices(state)` listed.
    fn apply(&self, state: &Self::State, choice: Self::Choice) -> Self::State;

    /// The names of the invariants, at most [`MAX_INVARIANTS`]; bit `i` of
    /// [`Model::violated_invariants`] refers to the `i`-th name.
    fn invariant_names(&self) -> Vec<String>;

    /// Bit `i` is set when invariant `i` is false in `state`.
    fn violated_invariants(&self, state: &Self::State) -> u64;

    /// The 64-bit fingerprint the visited set stores. The default hashes the state with the
    /// platform-independent [`super::fingerprint::Fp64Hasher`]; a model with a packed state can
    /// mix its words directly.
    fn fingerprint(&self, state: &Self::State) -> u64 {
        fingerprint_of(state)
    }

    /// Heap bytes a state owns beyond `size_of::<State>()`, for the memory report of the frontier.
    fn state_heap_bytes(&self, _state: &Self::State) -> usize {
        0
    }
}
