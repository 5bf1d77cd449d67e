//! CPU and memory of the homeserver's processes, from /proc (Linux): each named process with its
//! direct children (PostgreSQL's backends, nginx's worker).

use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// Linux reports CPU time in /proc in units of USER_HZ, which is 100 on every architecture.
const TICKS_PER_SECOND: f64 = 100.0;

pub struct Sample {
    at: Instant,
    /// name → (CPU ticks so far, proportional set size in KiB)
    by_name: BTreeMap<String, (u64, u64)>,
}

/// One process's share of the measured window.
#[derive(Serialize)]
pub struct Usage {
    pub name: String,
    /// Percent of one core, averaged over the window.
    pub cpu_percent: f64,
    /// Proportional set size at the end (shared pages split between the processes sharing them).
    pub memory_mib: f64,
}

fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces; it ends at the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// utime + stime (fields 14 and 15 of stat; 12 and 13 after the name), and with `reaped` also
/// cutime + cstime: the children that exited (PostgreSQL's backends and autovacuum workers come
/// and go) hand their time to the parent.
fn ticks(pid: u32, reaped: bool) -> u64 {
    let Some(f) = stat_fields(pid) else { return 0 };
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    field(11) + field(12) + if reaped { field(13) + field(14) } else { 0 }
}

fn pss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Pss:"))?;
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

fn with_children(pid: u32) -> Vec<u32> {
    let mut pids = vec![pid];
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            // Field 4 of stat (2 after the name) is the parent's pid.
            if stat_fields(child).is_some_and(|f| f[1] == pid.to_string()) {
                pids.push(child);
            }
        }
    }
    pids
}

pub fn sample(processes: &[(String, u32)]) -> Sample {
    let by_name = processes
        .iter()
        .map(|(name, pid)| {
            let pids = with_children(*pid);
            // The named process counts its exited children too; the live ones count themselves.
            let ticks = pids.iter().map(|&p| ticks(p, p == *pid)).sum();
            let pss = pids.iter().map(|&p| pss_kib(p)).sum();
            (name.clone(), (ticks, pss))
        })
        .collect();
    Sample {
        at: Instant::now(),
        by_name,
    }
}

/// Each process's CPU over the window between the samples and its memory at the end.
pub fn usage(before: &Sample, after: &Sample) -> Vec<Usage> {
    let seconds = after.at.duration_since(before.at).as_secs_f64().max(0.001);
    after
        .by_name
        .iter()
        .map(|(name, (ticks, pss))| {
            let start = before.by_name.get(name).map_or(0, |b| b.0);
            Usage {
                name: name.clone(),
                cpu_percent: ticks.saturating_sub(start) as f64 / TICKS_PER_SECOND / seconds * 100.0,
                memory_mib: *pss as f64 / 1024.0,
            }
        })
        .collect()
}
