//! Pure geometry for the two views: where each box of the topology is, where a message glyph is
//! at a given animation progress, the glyph shape of each message type, and the lanes of the
//! sequence view. No browser types, so everything here is tested natively.

use exactly_once_core::scenario::{Endpoint, MsgKind};

/// The topology's SVG coordinate system (scaled to the stage by the browser).
pub const VIEW_W: f64 = 1200.0;
pub const VIEW_H: f64 = 640.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn contains(&self, p: Point) -> bool {
        p.x >= self.x && p.x <= self.x + self.w && p.y >= self.y && p.y <= self.y + self.h
    }
    pub fn center(&self) -> Point {
        Point {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }
}

/// One endpoint's card: its queue, its handler instances and its store.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Card {
    pub endpoint: Endpoint,
    pub frame: Rect,
    pub queue: Rect,
    pub instances: Rect,
    pub store: Rect,
    /// How many instance circles are drawn (at most [`MAX_INSTANCES_DRAWN`]).
    pub instances_drawn: u32,
}

/// More instances than this are summarised as "+n": circles must stay readable on a projector.
pub const MAX_INSTANCES_DRAWN: u32 = 8;
/// Distance between glyphs in a queue.
pub const SLOT: f64 = 30.0;

impl Card {
    fn new(endpoint: Endpoint, frame: Rect, concurrency: u32) -> Card {
        let inner_w = frame.w - 20.0;
        Card {
            endpoint,
            frame,
            queue: Rect {
                x: frame.x + 10.0,
                y: frame.y + 38.0,
                w: inner_w,
                h: 58.0,
            },
            instances: Rect {
                x: frame.x + 10.0,
                y: frame.y + 104.0,
                w: inner_w,
                h: 82.0,
            },
            store: Rect {
                x: frame.x + 10.0,
                y: frame.y + 194.0,
                w: inner_w,
                h: (frame.h - 204.0).max(40.0),
            },
            instances_drawn: concurrency.clamp(1, MAX_INSTANCES_DRAWN),
        }
    }

    /// How many glyphs fit in the queue box before "+n".
    pub fn queue_capacity(&self) -> usize {
        (((self.queue.w - 60.0) / SLOT).floor() as usize).max(1)
    }

    /// The centre of queue slot `i` (0 = the head, next to be delivered, on the right).
    pub fn queue_slot(&self, i: usize) -> Point {
        Point {
            x: self.queue.x + self.queue.w - 24.0 - i as f64 * SLOT,
            y: self.queue.y + 34.0,
        }
    }

    /// Where arriving messages enter the queue (its tail, on the left).
    pub fn queue_entry(&self) -> Point {
        Point {
            x: self.queue.x + 12.0,
            y: self.queue.y + 34.0,
        }
    }

    /// The radius of the instance circles.
    pub fn instance_radius(&self) -> f64 {
        let spacing = (self.instances.w - 20.0) / f64::from(self.instances_drawn);
        (spacing / 2.0 - 4.0).clamp(10.0, 26.0)
    }

    /// The centre of instance `i` (instances past the drawn ones share the last circle).
    pub fn instance(&self, i: u32) -> Point {
        let i = i.min(self.instances_drawn - 1);
        let spacing = (self.instances.w - 20.0) / f64::from(self.instances_drawn);
        Point {
            x: self.instances.x + 10.0 + spacing * (f64::from(i) + 0.5),
            y: self.instances.y + 34.0,
        }
    }

    /// Where outgoing messages leave the card.
    pub fn out_port(&self) -> Point {
        Point {
            x: self.frame.x + self.frame.w,
            y: self.instances.y + 34.0,
        }
    }

    /// Where documents enter the store.
    pub fn store_port(&self) -> Point {
        Point {
            x: self.store.x + 40.0,
            y: self.store.y + 14.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub cards: Vec<Card>,
    pub error_queue: Rect,
    pub tokens: Rect,
}

impl Layout {
    /// `concurrency[e]` is `None` for an endpoint that is not deployed.
    pub fn new(concurrency: [Option<u32>; 4]) -> Layout {
        let mut cards = Vec::new();
        let c = |e: Endpoint| concurrency[e.index()];
        cards.push(Card::new(
            Endpoint::Frontend,
            Rect {
                x: 20.0,
                y: 150.0,
                w: 215.0,
                h: 330.0,
            },
            c(Endpoint::Frontend).unwrap_or(1),
        ));
        cards.push(Card::new(
            Endpoint::Orders,
            Rect {
                x: 345.0,
                y: 90.0,
                w: 420.0,
                h: 440.0,
            },
            c(Endpoint::Orders).unwrap_or(1),
        ));
        let subs: Vec<(Endpoint, u32)> = [Endpoint::Shipping, Endpoint::Marketing]
            .iter()
            .filter_map(|e| c(*e).map(|n| (*e, n)))
            .collect();
        let (top, h, gap) = if subs.len() == 2 {
            (10.0, 300.0, 20.0)
        } else {
            (150.0, 330.0, 0.0)
        };
        for (i, (e, n)) in subs.iter().enumerate() {
            cards.push(Card::new(
                *e,
                Rect {
                    x: 875.0,
                    y: top + i as f64 * (h + gap),
                    w: 305.0,
                    h,
                },
                *n,
            ));
        }
        Layout {
            cards,
            error_queue: Rect {
                x: 345.0,
                y: 555.0,
                w: 420.0,
                h: 70.0,
            },
            tokens: Rect {
                x: 20.0,
                y: 505.0,
                w: 215.0,
                h: 120.0,
            },
        }
    }

    pub fn card(&self, e: Endpoint) -> Option<&Card> {
        self.cards.iter().find(|c| c.endpoint == e)
    }

    /// The slot of the error queue for its `i`-th message.
    pub fn error_slot(&self, i: usize) -> Point {
        Point {
            x: self.error_queue.x + 30.0 + i as f64 * SLOT,
            y: self.error_queue.y + 44.0,
        }
    }
}

/// Smooth start and stop, so the eye can follow a message.
pub fn ease_in_out(t: f64) -> f64 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Where a glyph moving from `a` to `b` is at `progress` (0..=1). A slight arc keeps two
/// messages on the same edge in opposite directions apart.
pub fn along(a: Point, b: Point, progress: f64) -> Point {
    let t = ease_in_out(progress);
    let mx = a.x + (b.x - a.x) * t;
    let my = a.y + (b.y - a.y) * t;
    // A parabola, not a sine: the same arc without pulling trigonometry into the bundle.
    let lift = 4.0 * t * (1.0 - t) * 18.0;
    Point {
        x: mx,
        y: my - lift,
    }
}

/// A number for SVG with one decimal, formatted with integers only: float formatting would add
/// several kilobytes of code to the bundle for no visible difference.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let tenths = (v * 10.0).round() as i64;
    let sign = if tenths < 0 { "-" } else { "" };
    let t = tenths.unsigned_abs();
    if t.is_multiple_of(10) {
        format!("{sign}{}", t / 10)
    } else {
        format!("{sign}{}.{}", t / 10, t % 10)
    }
}

/// A closed polygon path through `points`.
fn polygon(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        d.push(if i == 0 { 'M' } else { 'L' });
        d.push_str(&num(*x));
        d.push(' ');
        d.push_str(&num(*y));
    }
    d.push('z');
    d
}

/// The shape of a message type: each type has its own, so colour is never the only cue.
pub fn glyph_path(kind: MsgKind, c: Point, r: f64) -> String {
    let Point { x, y } = c;
    match kind {
        MsgKind::SubmitOrder => polygon(&[
            (x - r, y - r),
            (x + r, y - r),
            (x + r, y + r),
            (x - r, y + r),
        ]),
        // Circle (two arcs).
        MsgKind::AddItem => {
            let (rr, d) = (num(r), num(2.0 * r));
            format!(
                "M{} {}a{rr} {rr} 0 1 0 {d} 0a{rr} {rr} 0 1 0 -{d} 0z",
                num(x - r),
                num(y)
            )
        }
        MsgKind::RemoveItem => polygon(&[
            (x, y - r * 1.2),
            (x + r * 1.2, y),
            (x, y + r * 1.2),
            (x - r * 1.2, y),
        ]),
        // Triangle pointing up: something was added.
        MsgKind::ItemAdded => polygon(&[
            (x, y - r * 1.2),
            (x + r * 1.15, y + r * 0.9),
            (x - r * 1.15, y + r * 0.9),
        ]),
        // Triangle pointing down: something was removed.
        MsgKind::ItemRemoved => polygon(&[
            (x, y + r * 1.2),
            (x + r * 1.15, y - r * 0.9),
            (x - r * 1.15, y - r * 0.9),
        ]),
        MsgKind::FirstItemAdded => {
            let pts: Vec<(f64, f64)> = STAR
                .iter()
                .enumerate()
                .map(|(i, (dx, dy))| {
                    let rr = if i % 2 == 0 { r * 1.3 } else { r * 0.55 };
                    (x + rr * dx, y + rr * dy)
                })
                .collect();
            polygon(&pts)
        }
        MsgKind::SendSubmitOrder => {
            let pts: Vec<(f64, f64)> = HEXAGON
                .iter()
                .map(|(dx, dy)| (x + r * 1.1 * dx, y + r * 1.1 * dy))
                .collect();
            polygon(&pts)
        }
    }
}

/// Unit vectors of a five-pointed star's ten corners, clockwise from the top (precomputed: no
/// trigonometry in the bundle).
const STAR: [(f64, f64); 10] = [
    (0.0, -1.0),
    (0.587_785, -0.809_017),
    (0.951_057, -0.309_017),
    (0.951_057, 0.309_017),
    (0.587_785, 0.809_017),
    (0.0, 1.0),
    (-0.587_785, 0.809_017),
    (-0.951_057, 0.309_017),
    (-0.951_057, -0.309_017),
    (-0.587_785, -0.809_017),
];

/// Unit vectors of a hexagon's corners.
const HEXAGON: [(f64, f64); 6] = [
    (1.0, 0.0),
    (0.5, 0.866_025),
    (-0.5, 0.866_025),
    (-1.0, 0.0),
    (-0.5, -0.866_025),
    (0.5, -0.866_025),
];

/// The short label under a glyph.
pub fn kind_abbrev(kind: MsgKind) -> &'static str {
    match kind {
        MsgKind::SubmitOrder => "Submit",
        MsgKind::AddItem => "Add",
        MsgKind::RemoveItem => "Remove",
        MsgKind::ItemAdded => "Added",
        MsgKind::ItemRemoved => "Removed",
        MsgKind::FirstItemAdded => "First",
        MsgKind::SendSubmitOrder => "SendSubmit",
    }
}

/// A CSS class per message type (Okabe-Ito colours in the style sheet, on top of the shapes).
pub fn kind_class(kind: MsgKind) -> &'static str {
    match kind {
        MsgKind::SubmitOrder => "k-submit",
        MsgKind::AddItem => "k-add",
        MsgKind::RemoveItem => "k-remove",
        MsgKind::ItemAdded => "k-added",
        MsgKind::ItemRemoved => "k-removed",
        MsgKind::FirstItemAdded => "k-first",
        MsgKind::SendSubmitOrder => "k-sendsubmit",
    }
}

/// A lane of the sequence view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Queue(Endpoint),
    Handler(Endpoint),
    Store(Endpoint),
    ErrorQueue,
}

impl Lane {
    pub fn label(&self) -> String {
        match self {
            Lane::Queue(e) => format!("{e} queue"),
            Lane::Handler(e) => e.name().to_string(),
            Lane::Store(e) => format!("{e} store"),
            Lane::ErrorQueue => "error queue".to_string(),
        }
    }
}

/// The lanes for the deployed endpoints, left to right in the direction messages flow.
pub fn lanes(deployed: [bool; 4], frontend_queue: bool, frontend_store: bool) -> Vec<Lane> {
    let mut v = Vec::new();
    if frontend_store {
        v.push(Lane::Store(Endpoint::Frontend));
    }
    if frontend_queue {
        v.push(Lane::Queue(Endpoint::Frontend));
    }
    v.push(Lane::Handler(Endpoint::Frontend));
    for e in [Endpoint::Orders, Endpoint::Shipping, Endpoint::Marketing] {
        if deployed[e.index()] {
            v.push(Lane::Queue(e));
            v.push(Lane::Handler(e));
            v.push(Lane::Store(e));
        }
    }
    v.push(Lane::ErrorQueue);
    v
}

/// The x of lane `i` of `n` in a view `width` wide with a left gutter for times.
pub fn lane_x(i: usize, n: usize, width: f64, gutter: f64) -> f64 {
    let span = (width - gutter - 20.0) / n.max(1) as f64;
    gutter + span * (i as f64 + 0.5)
}

/// The first row of a window of `rows` rows that keeps `current` visible, a third from the top.
pub fn window_start(current: u32, total: u32, rows: u32) -> u32 {
    if total <= rows {
        return 0;
    }
    current.saturating_sub(rows / 3).min(total - rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_deployed() -> Layout {
        Layout::new([Some(1), Some(8), Some(1), Some(1)])
    }

    #[test]
    fn cards_fit_the_view_and_do_not_overlap() {
        for layout in [
            all_deployed(),
            Layout::new([Some(1), Some(1), Some(1), None]),
        ] {
            let all: Vec<Rect> = layout
                .cards
                .iter()
                .map(|c| c.frame)
                .chain([layout.error_queue, layout.tokens])
                .collect();
            for r in &all {
                assert!(r.x >= 0.0 && r.y >= 0.0);
                assert!(r.x + r.w <= VIEW_W && r.y + r.h <= VIEW_H, "{r:?}");
            }
            for (i, a) in all.iter().enumerate() {
                for b in &all[i + 1..] {
                    let apart = a.x + a.w <= b.x
                        || b.x + b.w <= a.x
                        || a.y + a.h <= b.y
                        || b.y + b.h <= a.y;
                    assert!(apart, "{a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn instances_and_queue_slots_stay_inside_their_boxes() {
        let layout = all_deployed();
        for card in &layout.cards {
            for i in 0..card.instances_drawn + 3 {
                assert!(card.instances.contains(card.instance(i)));
            }
            for i in 0..card.queue_capacity() {
                assert!(card.queue.contains(card.queue_slot(i)), "{i}");
            }
            assert!(card.queue.contains(card.queue_entry()));
        }
    }

    #[test]
    fn a_glyph_moves_from_start_to_end() {
        let a = Point { x: 0.0, y: 0.0 };
        let b = Point { x: 100.0, y: 50.0 };
        assert_eq!(along(a, b, 0.0), a);
        let end = along(a, b, 1.0);
        assert!((end.x - b.x).abs() < 1e-9 && (end.y - b.y).abs() < 1e-6);
        let mid = along(a, b, 0.5);
        assert!(mid.x > 10.0 && mid.x < 90.0);
        // Out-of-range progress is clamped, never extrapolated.
        assert_eq!(along(a, b, -1.0), a);
    }

    #[test]
    fn every_message_type_has_its_own_shape() {
        let kinds = MsgKind::VARIANTS;
        let c = Point { x: 10.0, y: 10.0 };
        let paths: Vec<String> = kinds.iter().map(|k| glyph_path(*k, c, 8.0)).collect();
        for (i, p) in paths.iter().enumerate() {
            assert!(p.starts_with('M') && p.ends_with('z'));
            assert!(!paths[i + 1..].contains(p));
        }
    }

    #[test]
    fn the_precomputed_corners_are_unit_vectors_at_even_angles() {
        for (i, (x, y)) in STAR.iter().enumerate() {
            let a = std::f64::consts::PI * (i as f64 / 5.0) - std::f64::consts::FRAC_PI_2;
            assert!(
                (x - a.cos()).abs() < 1e-5 && (y - a.sin()).abs() < 1e-5,
                "{i}"
            );
        }
        for (i, (x, y)) in HEXAGON.iter().enumerate() {
            let a = std::f64::consts::PI / 3.0 * i as f64;
            assert!(
                (x - a.cos()).abs() < 1e-5 && (y - a.sin()).abs() < 1e-5,
                "{i}"
            );
        }
    }

    #[test]
    fn numbers_keep_one_decimal() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(-0.46), "-0.5");
        assert_eq!(num(-3.0), "-3");
        assert_eq!(num(f64::NAN), "0");
    }

    #[test]
    fn sequence_lanes_follow_the_flow() {
        let l = lanes([true, true, true, false], false, false);
        assert_eq!(l[0], Lane::Handler(Endpoint::Frontend));
        assert_eq!(l[1], Lane::Queue(Endpoint::Orders));
        assert_eq!(*l.last().expect("lanes"), Lane::ErrorQueue);
        assert_eq!(l.len(), 8);
        let xs: Vec<f64> = (0..l.len())
            .map(|i| lane_x(i, l.len(), 1000.0, 80.0))
            .collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(window_start(5, 10, 20), 0);
        assert_eq!(window_start(100, 200, 30), 90);
        assert_eq!(window_start(199, 200, 30), 170);
    }
}
