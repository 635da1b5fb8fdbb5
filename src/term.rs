//! Terminal conventions of the binary: colour and progress bars go to standard error, and only
//! when it is a terminal.
//!
//! Colour is off when `NO_COLOR` is set to a non-empty value (no-color.org). Progress bars are
//! off with `--quiet` or `--json`, and otherwise appear only once the work has taken a second,
//! so quick runs print nothing extra.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Work shorter than this shows no progress bar.
const PROGRESS_DELAY: Duration = Duration::from_secs(1);

/// Capabilities of standard error.
#[derive(Clone, Copy, Debug)]
pub struct Terminal {
    colour: bool,
    progress: bool,
}

impl Terminal {
    /// Inspects standard error and the environment; `quiet_output` turns progress bars off.
    pub fn detect(quiet_output: bool) -> Self {
        let is_terminal = std::io::stderr().is_terminal();
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Self {
            colour: is_terminal && !no_colour,
            progress: is_terminal && !quiet_output,
        }
    }

    /// `warning:` in bold yellow on a colour terminal.
    pub fn warning_prefix(&self) -> &'static str {
        if self.colour {
            "\x1b[1;33mwarning\x1b[0m:"
        } else {
            "warning:"
        }
    }

    /// `error:` in bold red on a colour terminal.
    pub fn error_prefix(&self) -> &'static str {
        if self.colour {
            "\x1b[1;31merror\x1b[0m:"
        } else {
            "error:"
        }
    }

    /// Creates a progress bar of `length` steps, drawn once the work has run for a second.
    pub fn progress(&self, length: u64, message: &'static str) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({elapsed})")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_message(message);
        Progress {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            enabled: self.progress,
        }
    }
}

/// A progress bar that stays hidden for quick work and on anything but a terminal.
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
    enabled: bool,
}

impl Progress {
    /// Sets the number of steps, once it is known.
    pub fn set_length(&self, length: usize) {
        self.bar.set_length(length as u64);
    }

    /// Counts one finished step; safe to call from several threads.
    pub fn step(&self) {
        self.bar.inc(1);
        if self.enabled
            && self.started.elapsed() >= PROGRESS_DELAY
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    /// Removes the bar, so results and warnings print on a clean line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
