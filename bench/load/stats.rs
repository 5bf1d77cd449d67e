//! The run's figures: one JSON object (for bench/load.sh's table) and a few readable lines.

use crate::audit::Count;
use crate::options::Options;
use crate::traffic::Outcome;
use serde_json::{json, Value};

/// Nearest-rank percentile of `values` (sorted here); `None` when empty.
fn percentile(values: &[f64], p: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

fn round(x: Option<f64>) -> Value {
    x.map_or(Value::Null, |x| json!((x * 10.0).round() / 10.0))
}

pub fn report(staff: usize, options: &Options, outcome: &Outcome, count: &Count) -> Value {
    let errors: u64 = outcome.errors.values().sum();
    json!({
        "staff": staff,
        "participants": outcome.participants,
        "active": outcome.active,
        "active_per_clinic": options.active_per_clinic,
        "measured_seconds": (outcome.measured_seconds * 10.0).round() / 10.0,
        "initial_sync_seconds": (outcome.initial_sync_seconds * 10.0).round() / 10.0,
        "messages": outcome.sent.len(),
        "deliveries": outcome.latencies.len(),
        "latency_ms": {
            "p50": round(percentile(&outcome.latencies, 50.0)),
            "p95": round(percentile(&outcome.latencies, 95.0)),
            "p99": round(percentile(&outcome.latencies, 99.0)),
            "max": round(percentile(&outcome.latencies, 100.0)),
        },
        "send_ms": {
            "p50": round(percentile(&outcome.send_ms, 50.0)),
            "p95": round(percentile(&outcome.send_ms, 95.0)),
        },
        "syncs_per_second": ((outcome.syncs as f64 / outcome.measured_seconds) * 10.0).round() / 10.0,
        "limited_timelines": outcome.limited_timelines,
        "missing_deliveries": outcome.missing_deliveries,
        "duplicate_deliveries": outcome.duplicate_deliveries,
        "errors": errors,
        "errors_by_kind": outcome.errors,
        "count": {
            "accepted": count.accepted,
            "stored": count.stored,
            "lost": count.lost,
            "duplicated": count.duplicated,
            "stored_unanswered": count.stored_unanswered,
        },
        "processes": outcome.usage,
    })
}

/// A run that could not be measured, and why.
pub fn failed(staff: usize, options: &Options, failure: &str) -> Value {
    json!({ "staff": staff, "active_per_clinic": options.active_per_clinic, "failed": failure })
}

pub fn human(report: &Value) -> String {
    if let Some(failure) = report["failed"].as_str() {
        return format!("load: {} staff: not measured: {failure}", report["staff"]);
    }
    let l = &report["latency_ms"];
    let c = &report["count"];
    let mut lines = vec![
        format!(
            "load: {} staff ({} active), {} s: {} messages, {} deliveries",
            report["staff"], report["active"], report["measured_seconds"], report["messages"], report["deliveries"]
        ),
        format!(
            "  send → other's sync: p50 {} ms, p95 {} ms, p99 {} ms (max {})",
            l["p50"], l["p95"], l["p99"], l["max"]
        ),
        format!(
            "  /sync answered: {}/s; errors {}; deliveries missing {}, duplicated {}",
            report["syncs_per_second"], report["errors"], report["missing_deliveries"], report["duplicate_deliveries"]
        ),
        format!(
            "  counted through the API: {} accepted, {} stored, {} lost, {} duplicated",
            c["accepted"], c["stored"], c["lost"], c["duplicated"]
        ),
    ];
    for p in report["processes"].as_array().into_iter().flatten() {
        lines.push(format!(
            "  {}: CPU {:.0} %, memory {:.0} MiB",
            p["name"].as_str().unwrap_or("?"),
            p["cpu_percent"].as_f64().unwrap_or(0.0),
            p["memory_mib"].as_f64().unwrap_or(0.0)
        ));
    }
    lines.join("\n")
}
