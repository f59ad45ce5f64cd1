//! The breadth-first search on several threads (native only: the page runs the budgeted
//! [`super::Explorer`] in one web worker).
//!
//! Level-synchronous: each level is expanded, in chunks, in two parallel phases separated by joins.
//! 1. Expand: each thread takes a contiguous slice of the chunk, computes successors and their
//!    fingerprints, and buckets them by shard (low bits of the fingerprint).
//! 2. Deduplicate: each thread owns whole shards of the visited set and inserts its shards'
//!    candidates in level order, keeping the first occurrence of each new state and evaluating the
//!    invariants on it.
//!
//! The new states of all shards are then merged back into (parent, choice position) order, which is
//! exactly the order the sequential explorer discovers them in. So the state numbers, the counts
//! and the counterexamples are the same as [`super::Explorer`]'s for any number of threads;
//! only the wall-clock time and the memory differ. No thread timing decides anything.

use super::explorer::{
    Bounds, CheckError, InvariantResult, MemoryUsage, ParentLinks, Report, Status, Verdict,
};
use super::fingerprint::{collision_one_in, FingerprintSet};
use super::model::{Model, MAX_CHOICES_PER_STATE, MAX_INVARIANTS};

/// Chunks smaller than this are expanded on the calling thread: spawning costs more than it saves.
const MIN_PARALLEL_CHUNK: usize = 2048;

/// States per thread in one chunk of a level: bounds the successor buffers (a few MB) whatever the
/// size of the level, while keeping thread start-up (tens of microseconds) negligible.
const CHUNK_STATES_PER_THREAD: usize = 1 << 15;

/// A successor waiting for deduplication.
struct Candidate<S> {
    fingerprint: u64,
    parent: u32,
    position: u8,
    state: S,
}

/// What one thread's expansion produced.
struct Expansion<S> {
    /// One bucket per shard, in level order.
    buckets: Vec<Vec<Candidate<S>>>,
    generated: u64,
}

/// A new state found by a shard, with its violated-invariant bits.
struct Fresh<S> {
    candidate: Candidate<S>,
    violated: u64,
}

/// Runs the whole search with `threads` threads (at least 1) and returns the same report as
/// [`super::Explorer::run_to_end`] would (memory figures aside). With
/// [`Bounds::stop_at_first_violation`] the level of the violation is finished before stopping,
/// so the counts can be larger than the sequential explorer's; the counterexamples are the same.
pub fn explore_parallel<M>(
    model: &M,
    bounds: Bounds,
    threads: usize,
) -> Result<Report<M::State, M::Choice>, CheckError>
where
    M: Model + Sync,
    M::State: Send + Sync,
    M::Choice: Send,
{
    let invariant_names = model.invariant_names();
    if invariant_names.len() > MAX_INVARIANTS {
        return Err(CheckError::TooManyInvariants(invariant_names.len()));
    }
    if bounds.max_distinct_states == 0 || bounds.max_distinct_states >= u64::from(u32::MAX) {
        return Err(CheckError::BadBound(
            "max_distinct_states must be between 1 and 4,294,967,294",
        ));
    }
    if bounds.max_depth == 0 {
        return Err(CheckError::BadBound("max_depth must be at least 1"));
    }
    if threads == 0 {
        return Err(CheckError::BadBound("threads must be at least 1"));
    }
    let shard_count = threads.next_power_of_two();
    let shard_mask = (shard_count - 1) as u64;
    let mut shards: Vec<FingerprintSet> = (0..shard_count).map(|_| FingerprintSet::new()).collect();
    let mut links = ParentLinks::default();
    let mut first_violation: Vec<Option<u32>> = vec![None; invariant_names.len()];
    let mut violated_mask = 0u64;
    let mut generated_states = 0u64;
    let mut status = Status::Running;
    let mut peak_frontier_bytes = 0u64;
    let mut peak_scratch_bytes = 0u64;
    let state_size = core::mem::size_of::<M::State>();

    let mut note = |violated: u64, number: u32, mask: &mut u64, status: &mut Status| {
        let fresh = violated & !*mask;
        if fresh == 0 {
            return;
        }
        *mask |= fresh;
        for (bit, first) in first_violation.iter_mut().enumerate() {
            if fresh & (1 << bit) != 0 {
                *first = Some(number);
            }
        }
        if bounds.stop_at_first_violation {
            *status = Status::StoppedAtViolation;
        }
    };

    let mut inits = Vec::new();
    model.init_states(&mut inits);
    let mut current: Vec<M::State> = Vec::new();
    for (position, state) in inits.into_iter().enumerate() {
        generated_states += 1;
        if links.len() as u64 >= bounds.max_distinct_states {
            status = Status::StateBoundReached;
            break;
        }
        let fingerprint = model.fingerprint(&state);
        if shards[(fingerprint & shard_mask) as usize].insert(fingerprint) {
            let number = links.len() as u32;
            links.push_root(position);
            note(
                model.violated_invariants(&state),
                number,
                &mut violated_mask,
                &mut status,
            );
            current.push(state);
        }
    }
    let mut current_first = 0u32;
    let mut depth = 1u32;
    let mut next: Vec<M::State> = Vec::new();

    while status == Status::Running {
        if current.is_empty() {
            status = Status::Complete;
            break;
        }
        if depth >= bounds.max_depth {
            status = if has_successors(model, &current) {
                Status::DepthBoundReached
            } else {
                Status::Complete
            };
            break;
        }
        next.clear();
        // The level is cut into chunks so the successor buffers stay small whatever the level
        // size; chunks are deduplicated in order, so first occurrences stay in level order.
        let chunk_len = threads * CHUNK_STATES_PER_THREAD;
        for (chunk_index, chunk) in current.chunks(chunk_len).enumerate() {
            let chunk_first = current_first + (chunk_index * chunk_len) as u32;
            let (generated, fresh_per_shard, scratch_bytes) =
                expand_chunk(model, chunk, chunk_first, &mut shards, threads);
            generated_states += generated;
            peak_scratch_bytes = peak_scratch_bytes.max(scratch_bytes);
            // Merge the shards back into discovery order: ascending (parent, choice position).
            let mut heads: Vec<_> = fresh_per_shard
                .into_iter()
                .map(|fresh| fresh.into_iter().peekable())
                .collect();
            loop {
                let mut best: Option<(usize, (u32, u8))> = None;
                for (shard, head) in heads.iter_mut().enumerate() {
                    if let Some(fresh) = head.peek() {
                        let key = (fresh.candidate.parent, fresh.candidate.position);
                        if best.is_none_or(|(_, best_key)| key < best_key) {
                            best = Some((shard, key));
                        }
                    }
                }
                let Some((shard, _)) = best else { break };
                let Some(fresh) = heads[shard].next() else {
                    break;
                };
                let number = links.len() as u32;
                if u64::from(number) >= bounds.max_distinct_states {
                    status = Status::StateBoundReached;
                    break;
                }
                links.push(fresh.candidate.parent, fresh.candidate.position);
                note(fresh.violated, number, &mut violated_mask, &mut status);
                next.push(fresh.candidate.state);
            }
            if status != Status::Running {
                break;
            }
        }
        peak_frontier_bytes =
            peak_frontier_bytes.max(((current.capacity() + next.capacity()) * state_size) as u64);
        current_first += current.len() as u32;
        core::mem::swap(&mut current, &mut next);
        // Like the sequential explorer, a stopped search reports the level it was expanding.
        if !current.is_empty() && status == Status::Running {
            depth += 1;
        }
    }

    let invariants = invariant_names
        .into_iter()
        .zip(&first_violation)
        .map(|(name, first)| InvariantResult {
            name,
            verdict: match first {
                None => Verdict::HoldsWithinBounds,
                Some(number) => Verdict::Violated(links.counterexample(model, *number)),
            },
        })
        .collect();
    let distinct_states = links.len() as u64;
    Ok(Report {
        distinct_states,
        generated_states,
        depth,
        status,
        invariants,
        memory: MemoryUsage {
            fingerprint_bytes: shards.iter().map(|set| set.memory_bytes() as u64).sum(),
            parent_link_bytes: links.memory_bytes(),
            peak_frontier_bytes,
            peak_scratch_bytes,
        },
        collision_one_in: collision_one_in(distinct_states),
    })
}

/// True if any of `states` has an enabled choice (the depth bound then cut the search short).
fn has_successors<M: Model>(model: &M, states: &[M::State]) -> bool {
    let mut choices = Vec::new();
    states.iter().any(|state| {
        choices.clear();
        model.choices(state, &mut choices);
        !choices.is_empty()
    })
}

/// Both phases for one chunk of a level (`chunk[0]` is state number `chunk_first`): the number of
/// successors generated, the new states per shard (each in level order) and the scratch bytes.
#[allow(clippy::type_complexity)]
fn expand_chunk<M>(
    model: &M,
    chunk: &[M::State],
    chunk_first: u32,
    shards: &mut [FingerprintSet],
    threads: usize,
) -> (u64, Vec<Vec<Fresh<M::State>>>, u64)
where
    M: Model + Sync,
    M::State: Send + Sync,
    M::Choice: Send,
{
    let shard_count = shards.len();
    let workers = if chunk.len() >= MIN_PARALLEL_CHUNK {
        threads
    } else {
        1
    };
    // Phase 1: expand slices of the chunk in parallel; no shared state is written.
    let slice_len = chunk.len().div_ceil(workers);
    let expansions: Vec<Expansion<M::State>> = if workers == 1 {
        vec![expand_slice(model, chunk, chunk_first, shard_count)]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(slice_len)
                .enumerate()
                .map(|(slice_index, slice)| {
                    let first = chunk_first + (slice_index * slice_len) as u32;
                    scope.spawn(move || expand_slice(model, slice, first, shard_count))
                })
                .collect();
            handles
                .into_iter()
                .map(|handle| match handle.join() {
                    Ok(expansion) => expansion,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    let candidate_size = core::mem::size_of::<Candidate<M::State>>();
    let mut per_shard: Vec<Vec<Vec<Candidate<M::State>>>> =
        (0..shard_count).map(|_| Vec::new()).collect();
    let mut scratch_bytes = 0u64;
    let mut generated = 0u64;
    for expansion in expansions {
        generated += expansion.generated;
        for (shard, bucket) in expansion.buckets.into_iter().enumerate() {
            scratch_bytes += (bucket.capacity() * candidate_size) as u64;
            per_shard[shard].push(bucket);
        }
    }

    // Phase 2: each shard keeps the first occurrence of each new fingerprint, in level order.
    let fresh_per_shard: Vec<Vec<Fresh<M::State>>> = if workers == 1 {
        shards
            .iter_mut()
            .zip(per_shard)
            .map(|(set, buckets)| dedup_shard(model, set, buckets))
            .collect()
    } else {
        let shards_per_thread = shard_count.div_ceil(threads);
        std::thread::scope(|scope| {
            let mut work = per_shard.into_iter();
            let handles: Vec<_> = shards
                .chunks_mut(shards_per_thread)
                .map(|sets| {
                    let buckets: Vec<_> = work.by_ref().take(sets.len()).collect();
                    scope.spawn(move || {
                        sets.iter_mut()
                            .zip(buckets)
                            .map(|(set, buckets)| dedup_shard(model, set, buckets))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|handle| match handle.join() {
                    Ok(fresh) => fresh,
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        })
    };
    let fresh_total: usize = fresh_per_shard.iter().map(Vec::capacity).sum();
    scratch_bytes += (fresh_total * core::mem::size_of::<Fresh<M::State>>()) as u64;
    (generated, fresh_per_shard, scratch_bytes)
}

/// Phase 1 for one slice (`states[0]` is state number `first_number`): successors with their
/// fingerprints, bucketed by shard. No membership test here: probing the visited set twice per
/// new state (here and in phase 2) cost more than buffering the duplicates.
fn expand_slice<M: Model>(
    model: &M,
    states: &[M::State],
    first_number: u32,
    shard_count: usize,
) -> Expansion<M::State> {
    let shard_mask = (shard_count - 1) as u64;
    let mut buckets: Vec<Vec<Candidate<M::State>>> = (0..shard_count).map(|_| Vec::new()).collect();
    let mut generated = 0u64;
    let mut choices = Vec::new();
    for (offset, state) in states.iter().enumerate() {
        choices.clear();
        model.choices(state, &mut choices);
        assert!(
            choices.len() <= MAX_CHOICES_PER_STATE,
            "a state offers {} choices; at most {MAX_CHOICES_PER_STATE} are supported",
            choices.len()
        );
        let parent = first_number + offset as u32;
        for (position, choice) in choices.iter().enumerate() {
            let successor = model.apply(state, choice.clone());
            generated += 1;
            let fingerprint = model.fingerprint(&successor);
            buckets[(fingerprint & shard_mask) as usize].push(Candidate {
                fingerprint,
                parent,
                position: position as u8,
                state: successor,
            });
        }
    }
    Expansion { buckets, generated }
}

/// Phase 2 for one shard: `buckets` come from the expanding slices in level order.
fn dedup_shard<M: Model>(
    model: &M,
    set: &mut FingerprintSet,
    buckets: Vec<Vec<Candidate<M::State>>>,
) -> Vec<Fresh<M::State>> {
    let mut fresh = Vec::new();
    for bucket in buckets {
        for candidate in bucket {
            if set.insert(candidate.fingerprint) {
                let violated = model.violated_invariants(&candidate.state);
                fresh.push(Fresh {
                    candidate,
                    violated,
                });
            }
        }
    }
    fresh
}
