//! Presenter mode, themes and embed mode: the page's display settings, as plain data with a pure
//! keyboard map, so a talk advances the same way every time and the map is tested natively.
//!
//! Nothing here decides what happens to a message; it only chooses how the run is shown.

/// localStorage key of the chosen theme.
pub const THEME_KEY: &str = "exactly-once-playground.theme.v1";

/// How long (ms) after a digit a second digit still makes a two-digit chapter number.
pub const DIGIT_WINDOW_MS: f64 = 1_000.0;

/// The page's colour themes (CSS variables under `html[data-theme=…]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Light,
    Dark,
    /// White on black with yellow marks: for washed-out projectors.
    Contrast,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::Light, Theme::Dark, Theme::Contrast];

    pub fn name(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::Contrast => "contrast",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::Light => "Light",
            Theme::Dark => "Dark",
            Theme::Contrast => "High contrast",
        }
    }

    /// Reads a stored or typed name; anything else is `None` (the caller keeps its theme).
    pub fn from_name(name: &str) -> Option<Theme> {
        Theme::ALL
            .into_iter()
            .find(|t| t.name() == name.trim().to_ascii_lowercase())
    }

    /// The next theme in the cycle (the theme key in presenter mode).
    pub fn next(self) -> Theme {
        match self {
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::Contrast,
            Theme::Contrast => Theme::Light,
        }
    }
}

/// How the page is shown: the normal editor, presenter mode, or an embed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Display {
    /// Presenter mode: large type, high contrast, no editing panels.
    pub presenting: bool,
    /// The screen is blanked (B).
    pub blank: bool,
    /// The key help overlay is open (?).
    pub help: bool,
    /// `?embed`: only the player, for an iframe in slides.
    pub embed: bool,
    pub theme: Theme,
}

impl Display {
    /// Display settings a query asks for: `?presenter`, `?embed`, `?theme=dark`.
    pub fn from_query(query: &str) -> Display {
        let mut d = Display::default();
        for pair in query.trim_start_matches('?').split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "presenter" | "present" => d.presenting = v != "0",
                "embed" => d.embed = v != "0",
                "theme" => d.theme = Theme::from_name(v).unwrap_or(d.theme),
                _ => {}
            }
        }
        d
    }
}

/// What a display action changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisplayAction {
    EnterPresenter,
    /// Escape: closes the help, else un-blanks, else leaves presenter mode.
    Escape,
    ToggleBlank,
    ToggleHelp,
    SetTheme(Theme),
    NextTheme,
}

impl Display {
    /// The display after `action`; `None` when nothing changes.
    pub fn apply(&self, action: DisplayAction) -> Option<Display> {
        let mut d = self.clone();
        match action {
            DisplayAction::EnterPresenter => d.presenting = true,
            DisplayAction::Escape => {
                if d.help {
                    d.help = false;
                } else if d.blank {
                    d.blank = false;
                } else {
                    d.presenting = false;
                }
            }
            DisplayAction::ToggleBlank => d.blank = !d.blank,
            DisplayAction::ToggleHelp => d.help = !d.help,
            DisplayAction::SetTheme(t) => d.theme = t,
            DisplayAction::NextTheme => d.theme = d.theme.next(),
        }
        (d != *self).then_some(d)
    }
}

/// What a key does beyond the player's own keys (see `app::key_action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyCommand {
    Display(DisplayAction),
    NextBeat,
    PreviousBeat,
    /// Full screen on or off (a browser call, not state).
    Fullscreen,
    /// A digit: jump to a chapter (see [`chapter_number`]).
    Digit(u32),
    /// Record a beat at the playhead (R).
    RecordBeat,
    /// Apply the chapter's fix, or show the run before it (A).
    ToggleFix,
}

/// The presenter's keys. PageDown/PageUp are what presentation clickers send; "." and "," are
/// the keyboard's next and previous beat.
pub fn key_command(key: &str) -> Option<KeyCommand> {
    Some(match key {
        "PageDown" | "." => KeyCommand::NextBeat,
        "PageUp" | "," => KeyCommand::PreviousBeat,
        "f" | "F" => KeyCommand::Fullscreen,
        "b" | "B" => KeyCommand::Display(DisplayAction::ToggleBlank),
        "?" => KeyCommand::Display(DisplayAction::ToggleHelp),
        "Escape" => KeyCommand::Display(DisplayAction::Escape),
        "p" | "P" => KeyCommand::Display(DisplayAction::EnterPresenter),
        "c" | "C" => KeyCommand::Display(DisplayAction::NextTheme),
        "r" | "R" => KeyCommand::RecordBeat,
        "a" | "A" => KeyCommand::ToggleFix,
        _ => {
            let mut chars = key.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                return None;
            };
            KeyCommand::Digit(c.to_digit(10)?)
        }
    })
}

/// The chapter a digit asks for: a digit typed within [`DIGIT_WINDOW_MS`] of a previous one
/// extends it ("1" then "2" is chapter 12) when that chapter exists; "0" alone is chapter 10.
/// `None` when no chapter has that number.
pub fn chapter_number(
    previous: Option<(u32, f64)>,
    digit: u32,
    now_ms: f64,
    count: u32,
) -> Option<u32> {
    if let Some((p, at)) = previous {
        let combined = p * 10 + digit;
        if now_ms - at <= DIGIT_WINDOW_MS && (10..=count).contains(&combined) && p < 10 {
            return Some(combined);
        }
    }
    let n = if digit == 0 { 10 } else { digit };
    (n <= count).then_some(n)
}

/// The key help: (keys, what they do), as the overlay shows it.
pub const KEY_HELP: &[(&str, &str)] = &[
    ("Space / K", "play and pause"),
    ("← / →", "step one event back / forward"),
    ("PageDown / .", "next beat (clicker: next)"),
    ("PageUp / ,", "previous beat (clicker: back)"),
    ("Home / End", "start / end of the run"),
    ("1 … 9, 0", "chapter 1 … 9, 10 (two digits quickly: 11 …)"),
    ("A", "apply the fix / show before"),
    ("R", "record a beat at the playhead"),
    ("J", "jump to the first violation"),
    ("T / S", "topology / sequence view"),
    ("F", "full screen on / off"),
    ("B", "blank the screen"),
    ("C", "next theme (light, dark, high contrast)"),
    ("P", "presenter mode"),
    ("?", "this help"),
    ("Esc", "close the help, un-blank, leave presenter mode"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicker_and_keyboard_keys_step_beats() {
        assert_eq!(key_command("PageDown"), Some(KeyCommand::NextBeat));
        assert_eq!(key_command("."), Some(KeyCommand::NextBeat));
        assert_eq!(key_command("PageUp"), Some(KeyCommand::PreviousBeat));
        assert_eq!(key_command(","), Some(KeyCommand::PreviousBeat));
        assert_eq!(key_command("F"), Some(KeyCommand::Fullscreen));
        assert_eq!(
            key_command("b"),
            Some(KeyCommand::Display(DisplayAction::ToggleBlank))
        );
        assert_eq!(key_command("7"), Some(KeyCommand::Digit(7)));
        assert_eq!(key_command("x"), None);
        assert_eq!(key_command("F5"), None);
        // The player's keys are not taken over.
        for k in [
            " ",
            "k",
            "ArrowLeft",
            "ArrowRight",
            "Home",
            "End",
            "j",
            "s",
            "t",
        ] {
            assert_eq!(key_command(k), None, "{k}");
        }
    }

    #[test]
    fn every_key_in_the_help_does_something() {
        for (keys, _) in KEY_HELP {
            for k in keys
                .split(['/', ' '])
                .filter(|k| !k.is_empty() && *k != "…")
            {
                let k = match k {
                    "Space" => " ",
                    "←" => "ArrowLeft",
                    "→" => "ArrowRight",
                    "Esc" => "Escape",
                    "9," => "9",
                    other => other,
                };
                let known = key_command(k).is_some() || crate::app::key_action(k).is_some();
                assert!(known, "the help lists {k}, which does nothing");
            }
        }
    }

    #[test]
    fn digits_pick_chapters_and_two_quick_digits_make_a_number() {
        assert_eq!(chapter_number(None, 3, 0.0, 15), Some(3));
        assert_eq!(chapter_number(None, 0, 0.0, 15), Some(10));
        assert_eq!(chapter_number(Some((1, 0.0)), 2, 500.0, 15), Some(12));
        // Too late: a new number.
        assert_eq!(chapter_number(Some((1, 0.0)), 2, 1_500.0, 15), Some(2));
        // 19 does not exist: 9.
        assert_eq!(chapter_number(Some((1, 0.0)), 9, 10.0, 15), Some(9));
        assert_eq!(chapter_number(None, 9, 0.0, 5), None);
    }

    #[test]
    fn escape_closes_help_then_blank_then_presenter() {
        let d = Display {
            presenting: true,
            blank: true,
            help: true,
            ..Display::default()
        };
        let d = d.apply(DisplayAction::Escape).expect("help closes");
        assert!(!d.help && d.blank && d.presenting);
        let d = d.apply(DisplayAction::Escape).expect("unblank");
        assert!(!d.blank && d.presenting);
        let d = d.apply(DisplayAction::Escape).expect("leave");
        assert!(!d.presenting);
        assert_eq!(d.apply(DisplayAction::Escape), None);
    }

    #[test]
    fn themes_cycle_and_read_back_from_their_names() {
        let mut t = Theme::Light;
        for _ in 0..3 {
            assert_eq!(Theme::from_name(t.name()), Some(t));
            t = t.next();
        }
        assert_eq!(t, Theme::Light);
        assert_eq!(Theme::from_name("neon"), None);
        let d = Display::from_query("?preset=c05-before&presenter&theme=contrast");
        assert!(d.presenting && !d.embed);
        assert_eq!(d.theme, Theme::Contrast);
        assert!(Display::from_query("?embed&preset=c05-before").embed);
    }
}
