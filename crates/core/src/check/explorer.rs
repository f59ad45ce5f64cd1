//! The bounded, budgeted breadth-first explorer.
//!
//! Breadth-first, so the first state found that breaks an invariant lies at the smallest depth:
//! its choice path is a shortest counterexample (the same length TLC reports). The whole reachable
//! graph is explored even after violations (unless asked to stop), so the distinct-state count is
//! the one of a TLC run in which nothing is violated.
//!
//! Memory per distinct state: one 8-byte fingerprint slot (at 37.5-75 % load), a 4-byte parent
//! index and a 1-byte choice position; plus the frontier, which holds whole states but only two
//! breadth-first levels at a time. States are numbered in discovery order, so a level is a range of
//! numbers and a frontier entry needs no index of its own.

use serde::Serialize;

use super::fingerprint::{collision_one_in, FingerprintSet};
use super::model::{Model, MAX_CHOICES_PER_STATE, MAX_INVARIANTS};

/// Parent link of an initial state.
const NO_PARENT: u32 = u32::MAX;

/// Limits of one exploration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Stop once this many distinct states are stored (at most `u32::MAX - 1`: parent links are
    /// `u32`).
    pub max_distinct_states: u64,
    /// Do not expand states at this depth (in states, the initial state is depth 1, as TLC counts).
    pub max_depth: u32,
    /// Stop at the first violated invariant instead of exploring the whole graph.
    pub stop_at_first_violation: bool,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            // About 0.5 GB of fingerprints, parents and frontier at ~26 bytes per state.
            max_distinct_states: 20_000_000,
            max_depth: 10_000,
            stop_at_first_violation: false,
        }
    }
}

/// Where an exploration stands (serialized as [`Status::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// More work is queued: call [`Explorer::run`] again.
    Running,
    /// Every reachable state was explored: "holds" means holds in the whole state graph.
    Complete,
    /// Stopped at [`Bounds::max_distinct_states`]; verdicts hold only for the states seen.
    StateBoundReached,
    /// States at [`Bounds::max_depth`] had successors that were not explored.
    DepthBoundReached,
    /// Stopped at the first violation ([`Bounds::stop_at_first_violation`]).
    StoppedAtViolation,
    /// Stopped by [`Explorer::cancel`].
    Cancelled,
}

crate::enum_serde::unit_enum_serde!(Status {
    Running => "running",
    Complete => "complete",
    StateBoundReached => "state-bound-reached",
    DepthBoundReached => "depth-bound-reached",
    StoppedAtViolation => "stopped-at-violation",
    Cancelled => "cancelled",
});

impl Status {
    /// True once [`Explorer::run`] has nothing more to do.
    pub fn is_finished(self) -> bool {
        self != Status::Running
    }

    /// A stable lowercase name for JSON and the page.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Complete => "complete",
            Status::StateBoundReached => "state-bound-reached",
            Status::DepthBoundReached => "depth-bound-reached",
            Status::StoppedAtViolation => "stopped-at-violation",
            Status::Cancelled => "cancelled",
        }
    }
}

/// What a slice of work reports, for a progress bar.
/// Deserialised through [`crate::enum_serde::read_open_struct`] (as the derive would).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Distinct states found so far (initial states included).
    pub distinct_states: u64,
    /// Successor states computed so far plus the initial states, duplicates included (TLC's
    /// "states generated").
    pub generated_states: u64,
    /// The breadth-first level being expanded, in states (initial state = 1).
    pub depth: u32,
    /// States found but not expanded yet.
    pub queued_states: u64,
    /// Invariants found violated so far.
    pub violated_invariants: u32,
    /// Whether to call [`Explorer::run`] again.
    pub status: Status,
}

/// Memory held by the exploration, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MemoryUsage {
    /// The fingerprint table.
    pub fingerprint_bytes: u64,
    /// Parent links: a `u32` parent and a `u8` choice position per distinct state.
    pub parent_link_bytes: u64,
    /// The largest the two frontier levels (whole states) have been.
    pub peak_frontier_bytes: u64,
    /// Work buffers of the parallel explorer (successors waiting for deduplication), at their peak.
    pub peak_scratch_bytes: u64,
}

impl MemoryUsage {
    /// Everything counted above.
    pub fn total_bytes(&self) -> u64 {
        self.fingerprint_bytes
            + self.parent_link_bytes
            + self.peak_frontier_bytes
            + self.peak_scratch_bytes
    }

    /// Total bytes divided by the number of distinct states, rounded up.
    pub fn bytes_per_state(&self, distinct_states: u64) -> u64 {
        self.total_bytes().div_ceil(distinct_states.max(1))
    }
}

/// A shortest path from an initial state to a state that breaks an invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample<S, C> {
    /// Position of the first state in [`Model::init_states`].
    pub init_index: usize,
    /// The choices taken, in order.
    pub choices: Vec<C>,
    /// Positions of those choices in the lists [`Model::choices`] gave (what a share link stores).
    pub choice_positions: Vec<u8>,
    /// The states visited: the initial state, then one per choice; the last one breaks the
    /// invariant.
    pub states: Vec<S>,
}

impl<S, C> Counterexample<S, C> {
    /// Length in states, the initial state included (as TLC counts).
    pub fn len_states(&self) -> usize {
        self.states.len()
    }
}

/// The verdict on one invariant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<S, C> {
    /// No explored state breaks it (all reachable states if the status is `Complete`).
    HoldsWithinBounds,
    /// A shortest counterexample among the explored states.
    Violated(Counterexample<S, C>),
}

/// One invariant's name and verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvariantResult<S, C> {
    /// As [`Model::invariant_names`] gives it.
    pub name: String,
    /// Holds or violated with a shortest trace.
    pub verdict: Verdict<S, C>,
}

impl<S, C> InvariantResult<S, C> {
    /// True when no explored state breaks the invariant.
    pub fn holds(&self) -> bool {
        matches!(self.verdict, Verdict::HoldsWithinBounds)
    }

    /// The counterexample, if violated.
    pub fn counterexample(&self) -> Option<&Counterexample<S, C>> {
        match &self.verdict {
            Verdict::HoldsWithinBounds => None,
            Verdict::Violated(trace) => Some(trace),
        }
    }
}

/// The final (or current) result of an exploration.
#[derive(Clone, Debug, PartialEq)]
pub struct Report<S, C> {
    /// Distinct states found (initial states included).
    pub distinct_states: u64,
    /// TLC's "states generated": initial states plus every successor computed.
    pub generated_states: u64,
    /// Number of breadth-first levels with states, in states (TLC's "depth of the complete state
    /// graph search").
    pub depth: u32,
    /// Why the exploration ended.
    pub status: Status,
    /// One entry per invariant, in [`Model::invariant_names`] order.
    pub invariants: Vec<InvariantResult<S, C>>,
    /// Memory held at the end (peaks for the frontier and scratch buffers).
    pub memory: MemoryUsage,
    /// Birthday bound on the chance that two distinct states shared a fingerprint, as "one in N"
    /// (see [`super::fingerprint::collision_one_in`]).
    pub collision_one_in: u64,
}

impl<S, C> Report<S, C> {
    /// Memory per distinct state in bytes, rounded up.
    pub fn bytes_per_state(&self) -> u64 {
        self.memory.bytes_per_state(self.distinct_states)
    }

    /// The verdict for the invariant called `name`.
    pub fn invariant(&self, name: &str) -> Option<&InvariantResult<S, C>> {
        self.invariants.iter().find(|result| result.name == name)
    }
}

/// Why an exploration could not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// The model names more than [`MAX_INVARIANTS`] invariants.
    TooManyInvariants(usize),
    /// A bound is out of range.
    BadBound(&'static str),
}

impl core::fmt::Display for CheckError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CheckError::TooManyInvariants(count) => write!(
                f,
                "the model names {count} invariants; at most {MAX_INVARIANTS} are supported"
            ),
            CheckError::BadBound(what) => write!(f, "bad bound: {what}"),
        }
    }
}

impl std::error::Error for CheckError {}

/// Entries per chunk of [`ChunkedVec`].
const CHUNK_LEN: usize = 1 << 16;

/// An append-only vector stored in fixed-size chunks, so that growing never over-allocates more
/// than one chunk (a `Vec` doubles, which would cost up to twice the memory per state).
#[derive(Clone, Debug, Default)]
pub(crate) struct ChunkedVec<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy> ChunkedVec<T> {
    #[inline]
    pub(crate) fn push(&mut self, value: T) {
        if self.len.is_multiple_of(CHUNK_LEN) {
            self.chunks.push(Vec::with_capacity(CHUNK_LEN));
        }
        let last = self.chunks.len() - 1;
        self.chunks[last].push(value);
        self.len += 1;
    }

    #[inline]
    pub(crate) fn get(&self, index: usize) -> T {
        self.chunks[index / CHUNK_LEN][index % CHUNK_LEN]
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.chunks.len() * CHUNK_LEN * core::mem::size_of::<T>()
            + self.chunks.capacity() * core::mem::size_of::<Vec<T>>()
    }
}

/// Parent links shared by the sequential and the parallel explorer: state number `i` was reached
/// from `parents[i]` by the choice at position `choice_positions[i]`.
#[derive(Clone, Debug, Default)]
pub(crate) struct ParentLinks {
    parents: ChunkedVec<u32>,
    choice_positions: ChunkedVec<u8>,
    /// For initial state `i` (states `0..roots.len()`), its position in `init_states`.
    roots: Vec<u32>,
}

impl ParentLinks {
    pub(crate) fn len(&self) -> usize {
        self.parents.len()
    }

    pub(crate) fn push_root(&mut self, init_position: usize) {
        self.roots.push(init_position as u32);
        self.parents.push(NO_PARENT);
        self.choice_positions.push(0);
    }

    #[inline]
    pub(crate) fn push(&mut self, parent: u32, choice_position: u8) {
        self.parents.push(parent);
        self.choice_positions.push(choice_position);
    }

    pub(crate) fn memory_bytes(&self) -> u64 {
        (self.parents.memory_bytes()
            + self.choice_positions.memory_bytes()
            + self.roots.capacity() * 4) as u64
    }

    /// Rebuilds the path to state number `target` by following parents back to the root, then
    /// replays the choice positions forward from the initial state.
    pub(crate) fn counterexample<M: Model>(
        &self,
        model: &M,
        target: u32,
    ) -> Counterexample<M::State, M::Choice> {
        let mut positions = Vec::new();
        let mut index = target;
        while self.parents.get(index as usize) != NO_PARENT {
            positions.push(self.choice_positions.get(index as usize));
            index = self.parents.get(index as usize);
        }
        positions.reverse();
        let init_index = self.roots[index as usize] as usize;
        replay(model, init_index, &positions).unwrap_or_else(|| {
            // Parent links only ever record positions the model listed, so replay cannot fail
            // unless the model is not deterministic.
            panic!("model is not deterministic: its counterexample does not replay")
        })
    }
}

/// Replays `choice_positions` from initial state `init_index`: the states and choices visited, or
/// `None` if a position is not enabled (a stale or foreign share link).
pub fn replay<M: Model>(
    model: &M,
    init_index: usize,
    choice_positions: &[u8],
) -> Option<Counterexample<M::State, M::Choice>> {
    let mut inits = Vec::new();
    model.init_states(&mut inits);
    let mut state = inits.get(init_index)?.clone();
    let mut states = vec![state.clone()];
    let mut choices = Vec::with_capacity(choice_positions.len());
    let mut enabled = Vec::new();
    for &position in choice_positions {
        enabled.clear();
        model.choices(&state, &mut enabled);
        let choice = enabled.get(usize::from(position))?.clone();
        state = model.apply(&state, choice.clone());
        choices.push(choice);
        states.push(state.clone());
    }
    Some(Counterexample {
        init_index,
        choices,
        choice_positions: choice_positions.to_vec(),
        states,
    })
}

/// The breadth-first explorer, run in slices with [`Explorer::run`].
pub struct Explorer<M: Model> {
    model: M,
    bounds: Bounds,
    invariant_names: Vec<String>,
    seen: FingerprintSet,
    links: ParentLinks,
    /// The level being expanded; `current[j]` is state number `current_first + j`.
    current: Vec<M::State>,
    current_first: u32,
    cursor: usize,
    next: Vec<M::State>,
    /// Heap bytes owned by the states of `current` and of `next` ([`Model::state_heap_bytes`]).
    current_heap_bytes: u64,
    next_heap_bytes: u64,
    peak_frontier_bytes: u64,
    /// Level of `current`, in states (initial states = 1).
    depth: u32,
    generated_states: u64,
    /// First (so shallowest) violating state number per invariant.
    first_violation: Vec<Option<u32>>,
    violated_mask: u64,
    status: Status,
    choice_buffer: Vec<M::Choice>,
}

impl<M: Model> Explorer<M> {
    /// Stores and checks the initial states; the search itself happens in [`Explorer::run`].
    pub fn new(model: M, bounds: Bounds) -> Result<Self, CheckError> {
        let invariant_names = model.invariant_names();
        if invariant_names.len() > MAX_INVARIANTS {
            return Err(CheckError::TooManyInvariants(invariant_names.len()));
        }
        if bounds.max_distinct_states == 0 || bounds.max_distinct_states >= u64::from(NO_PARENT) {
            return Err(CheckError::BadBound(
                "max_distinct_states must be between 1 and 4,294,967,294",
            ));
        }
        if bounds.max_depth == 0 {
            return Err(CheckError::BadBound("max_depth must be at least 1"));
        }
        let invariant_count = invariant_names.len();
        let mut explorer = Explorer {
            model,
            bounds,
            invariant_names,
            seen: FingerprintSet::new(),
            links: ParentLinks::default(),
            current: Vec::new(),
            current_first: 0,
            cursor: 0,
            next: Vec::new(),
            current_heap_bytes: 0,
            next_heap_bytes: 0,
            peak_frontier_bytes: 0,
            depth: 1,
            generated_states: 0,
            first_violation: vec![None; invariant_count],
            violated_mask: 0,
            status: Status::Running,
            choice_buffer: Vec::new(),
        };
        let mut inits = Vec::new();
        explorer.model.init_states(&mut inits);
        for (position, state) in inits.into_iter().enumerate() {
            explorer.generated_states += 1;
            if explorer.links.len() as u64 >= explorer.bounds.max_distinct_states {
                explorer.status = Status::StateBoundReached;
                break;
            }
            if explorer.seen.insert(explorer.model.fingerprint(&state)) {
                let number = explorer.links.len() as u32;
                explorer.links.push_root(position);
                explorer.record_violations(&state, number);
                explorer.current_heap_bytes += explorer.model.state_heap_bytes(&state) as u64;
                explorer.current.push(state);
            }
        }
        if explorer.status == Status::Running && explorer.current.is_empty() {
            explorer.status = Status::Complete;
        }
        explorer.note_frontier_size();
        Ok(explorer)
    }

    /// The model being explored.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Expands up to `budget_states` more states (at least one if work remains) and says where the
    /// search stands. The page calls this in slices from a web worker and stops calling it to
    /// cancel; nothing runs between calls.
    pub fn run(&mut self, budget_states: u64) -> Progress {
        let mut budget = budget_states.max(1);
        while self.status == Status::Running && budget > 0 {
            if self.cursor == self.current.len() && !self.advance_level() {
                break;
            }
            let end = self
                .current
                .len()
                .min(self.cursor.saturating_add(budget as usize));
            let expanded = self.expand_range(end);
            budget -= expanded as u64;
        }
        self.progress()
    }

    /// Runs to the end (or a bound).
    pub fn run_to_end(&mut self) -> Report<M::State, M::Choice> {
        while !self.run(1 << 16).status.is_finished() {}
        self.report()
    }

    /// Stops the search; [`Explorer::report`] then gives verdicts for the states seen so far.
    pub fn cancel(&mut self) {
        if self.status == Status::Running {
            self.status = Status::Cancelled;
        }
    }

    /// Counters without the verdicts.
    pub fn progress(&self) -> Progress {
        Progress {
            distinct_states: self.links.len() as u64,
            generated_states: self.generated_states,
            depth: self.depth,
            queued_states: (self.current.len() - self.cursor + self.next.len()) as u64,
            violated_invariants: self.violated_mask.count_ones(),
            status: self.status,
        }
    }

    /// The report so far (final once the status is not `Running`); counterexamples are rebuilt
    /// by replaying their choice paths.
    pub fn report(&self) -> Report<M::State, M::Choice> {
        let invariants = self
            .invariant_names
            .iter()
            .zip(&self.first_violation)
            .map(|(name, first)| InvariantResult {
                name: name.clone(),
                verdict: match first {
                    None => Verdict::HoldsWithinBounds,
                    Some(number) => {
                        Verdict::Violated(self.links.counterexample(&self.model, *number))
                    }
                },
            })
            .collect();
        let distinct_states = self.links.len() as u64;
        Report {
            distinct_states,
            generated_states: self.generated_states,
            depth: self.depth,
            status: self.status,
            invariants,
            memory: MemoryUsage {
                fingerprint_bytes: self.seen.memory_bytes() as u64,
                parent_link_bytes: self.links.memory_bytes(),
                peak_frontier_bytes: self.peak_frontier_bytes,
                peak_scratch_bytes: 0,
            },
            collision_one_in: collision_one_in(distinct_states),
        }
    }

    /// Moves to the next level; false (with the status set) when there is none to expand.
    fn advance_level(&mut self) -> bool {
        if self.next.is_empty() {
            self.status = Status::Complete;
            return false;
        }
        self.current_first += self.current.len() as u32;
        core::mem::swap(&mut self.current, &mut self.next);
        self.next.clear();
        self.current_heap_bytes = self.next_heap_bytes;
        self.next_heap_bytes = 0;
        self.cursor = 0;
        self.depth += 1;
        true
    }

    /// Expands `current[cursor..end]`; returns how many states were expanded.
    fn expand_range(&mut self, end: usize) -> usize {
        // Taken out of `self` so a state can stay borrowed while violations are noted.
        let current = core::mem::take(&mut self.current);
        let expanded = self.expand_states(&current, end);
        self.current = current;
        self.note_frontier_size();
        if self.depth >= self.bounds.max_depth
            && self.cursor == self.current.len()
            && self.status == Status::Running
        {
            // Nothing at the depth bound had successors: the graph ends here.
            self.status = Status::Complete;
        }
        expanded
    }

    fn expand_states(&mut self, current: &[M::State], end: usize) -> usize {
        let start = self.cursor;
        let at_depth_bound = self.depth >= self.bounds.max_depth;
        while self.cursor < end {
            let number = self.current_first + self.cursor as u32;
            let state = &current[self.cursor];
            self.cursor += 1;
            self.choice_buffer.clear();
            self.model.choices(state, &mut self.choice_buffer);
            assert!(
                self.choice_buffer.len() <= MAX_CHOICES_PER_STATE,
                "a state offers {} choices; at most {MAX_CHOICES_PER_STATE} are supported",
                self.choice_buffer.len()
            );
            if at_depth_bound {
                if !self.choice_buffer.is_empty() {
                    self.status = Status::DepthBoundReached;
                }
                continue;
            }
            for position in 0..self.choice_buffer.len() {
                let successor = self
                    .model
                    .apply(state, self.choice_buffer[position].clone());
                self.generated_states += 1;
                if !self.seen.insert(self.model.fingerprint(&successor)) {
                    continue;
                }
                let successor_number = self.links.len() as u32;
                if u64::from(successor_number) >= self.bounds.max_distinct_states {
                    self.status = Status::StateBoundReached;
                    return self.cursor - start;
                }
                self.links.push(number, position as u8);
                let violated = self.model.violated_invariants(&successor);
                if violated != 0 {
                    self.note_violations(violated, successor_number);
                }
                self.next_heap_bytes += self.model.state_heap_bytes(&successor) as u64;
                self.next.push(successor);
            }
            if self.status == Status::StoppedAtViolation {
                break;
            }
        }
        self.cursor - start
    }

    fn record_violations(&mut self, state: &M::State, number: u32) {
        let violated = self.model.violated_invariants(state);
        if violated != 0 {
            self.note_violations(violated, number);
        }
    }

    fn note_violations(&mut self, violated: u64, number: u32) {
        let fresh = violated & !self.violated_mask;
        if fresh == 0 {
            return;
        }
        self.violated_mask |= fresh;
        for (bit, first) in self.first_violation.iter_mut().enumerate() {
            if fresh & (1 << bit) != 0 {
                *first = Some(number);
            }
        }
        if self.bounds.stop_at_first_violation {
            self.status = Status::StoppedAtViolation;
        }
    }

    fn note_frontier_size(&mut self) {
        let inline =
            (self.current.capacity() + self.next.capacity()) * core::mem::size_of::<M::State>();
        let bytes = inline as u64 + self.current_heap_bytes + self.next_heap_bytes;
        self.peak_frontier_bytes = self.peak_frontier_bytes.max(bytes);
    }
}
