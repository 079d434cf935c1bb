//! How a sweep's models split into groups that fit the device: what one model of a group
//! needs (its footprint), how many fit in a device's limits, and the groups themselves.

use crate::config::Config;
use crate::model::layer_sizes;
use crate::train::EVAL_BATCH;
use std::ops::Range;

/// How `members` (seed-major, see `SweepSpec::members`) split into groups: at most
/// `max_parallel` models each, fewer if `limits` say so, whole seeds together when they fit.
/// Returns index ranges into `members`.
pub fn plan_groups(
    members: &[Config],
    input_size: usize,
    limits: MemoryLimits,
    max_parallel: usize,
) -> Vec<Range<usize>> {
    let Some(first) = members.first() else { return Vec::new() };
    let sizes = layer_sizes(first, input_size);
    let fits = max_group_size(footprint(&sizes, first.batch_size, EVAL_BATCH), limits);
    let (_, seed_of_model) = seeds_of(members);
    split_groups(&seed_of_model, fits.min(max_parallel.max(1)))
}

/// The distinct seeds of `members` in the order they first appear, and each member's index
/// among them (models of one seed share their initial weights' draw and their batches).
pub fn seeds_of(members: &[Config]) -> (Vec<u64>, Vec<usize>) {
    let mut seeds: Vec<u64> = Vec::new();
    let seed_of_model = members
        .iter()
        .map(|c| match seeds.iter().position(|&s| s == c.seed) {
            Some(i) => i,
            None => {
                seeds.push(c.seed);
                seeds.len() - 1
            }
        })
        .collect();
    (seeds, seed_of_model)
}

/// What a device allows: the largest single buffer and the memory a group may use in all.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryLimits {
    /// The largest tensor (WebGPU: min(maxStorageBufferBindingSize, maxBufferSize)).
    pub max_buffer_bytes: u64,
    /// Everything a group keeps on the device at once.
    pub total_bytes: u64,
}

impl MemoryLimits {
    /// WebGPU's guaranteed defaults: 128 MiB per storage binding, 256 MiB per buffer.
    pub const WEBGPU_DEFAULT: MemoryLimits = MemoryLimits::from_buffer_limit(128 << 20);
    /// The CPU: no binding limit; a group stays within a few GiB.
    pub const CPU: MemoryLimits = MemoryLimits { max_buffer_bytes: 1 << 31, total_bytes: 4 << 30 };

    /// From an adapter's buffer limit; the whole group may use eight such buffers' worth.
    pub const fn from_buffer_limit(max_buffer_bytes: u64) -> MemoryLimits {
        MemoryLimits { max_buffer_bytes, total_bytes: max_buffer_bytes.saturating_mul(8) }
    }
}

/// Bytes one model of a group needs (f32 everywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Footprint {
    /// Its share of the largest stacked tensor (the first layer's weights, or an evaluation
    /// chunk's widest activations).
    pub largest_tensor: u64,
    /// Its share of everything the group keeps at once.
    pub total: u64,
}

/// The footprint of one model with these layer sizes (see `model::layer_sizes`).
pub fn footprint(sizes: &[usize], batch: usize, eval_chunk: usize) -> Footprint {
    let f = 4u64;
    let pairs = sizes.windows(2).map(|p| (p[0] as u64, p[1] as u64));
    let params: u64 = pairs.clone().map(|(i, o)| i * o + o * 5).sum();
    let widest_weight = pairs.clone().map(|(i, o)| i * o).max().unwrap_or(0);
    let widths: u64 = sizes[1..].iter().map(|&w| w as u64).sum();
    let widest = sizes[1..].iter().copied().max().unwrap_or(0) as u64;
    // Parameters, gradients, momentum and the updated copy; ~12 saved activations per unit of
    // the training batch (pre/post, BatchNorm, per-activation candidates); evaluation's chunk.
    let total = f * (4 * params + 12 * batch as u64 * widths + 3 * eval_chunk as u64 * widest);
    let largest_tensor = f * widest_weight.max(eval_chunk as u64 * widest).max(batch as u64 * widest);
    Footprint { largest_tensor, total }
}

/// How many models fit in one group (at least one: a weak device degrades, never fails).
pub fn max_group_size(footprint: Footprint, limits: MemoryLimits) -> usize {
    let by_buffer = limits.max_buffer_bytes / footprint.largest_tensor.max(1);
    let by_total = limits.total_bytes / footprint.total.max(1);
    by_buffer.min(by_total).clamp(1, usize::MAX as u64) as usize
}

/// The evaluation chunk for `group` models: at most `preferred` test images, such that the
/// widest stacked activation `[group, chunk, widest]` stays within one buffer.
pub fn eval_chunk(sizes: &[usize], group: usize, preferred: usize, limits: MemoryLimits) -> usize {
    let widest = sizes[1..].iter().copied().max().unwrap_or(1).max(1) as u64;
    let fits = limits.max_buffer_bytes / (4 * widest * group.max(1) as u64);
    (fits as usize).clamp(1, preferred.max(1))
}

/// Splits models (given by their seed index, seed-major order) into groups of at most `max`
/// models. Whole seeds are packed together when they fit, so each group is a rectangle of
/// seeds × combinations that shares input batches by broadcasting; otherwise each seed is cut
/// into balanced pieces. Returns index ranges into the model list.
pub fn split_groups(seed_of_model: &[usize], max: usize) -> Vec<Range<usize>> {
    let max = max.max(1);
    // Runs of equal seeds (the models are seed-major).
    let mut runs: Vec<Range<usize>> = Vec::new();
    for (i, &s) in seed_of_model.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if seed_of_model[run.start] == s => run.end = i + 1,
            _ => runs.push(i..i + 1),
        }
    }
    let mut groups = Vec::new();
    let mut current: Option<Range<usize>> = None;
    for run in runs {
        let len = run.len();
        if len > max {
            if let Some(g) = current.take() {
                groups.push(g);
            }
            let pieces = len.div_ceil(max);
            let (base, extra) = (len / pieces, len % pieces);
            let mut start = run.start;
            for p in 0..pieces {
                let size = base + usize::from(p < extra);
                groups.push(start..start + size);
                start += size;
            }
            continue;
        }
        current = match current.take() {
            Some(g) if g.len() + len <= max => Some(g.start..run.end),
            Some(g) => {
                groups.push(g);
                Some(run)
            }
            None => Some(run),
        };
    }
    groups.extend(current);
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_pack_whole_seeds_and_split_big_ones_evenly() {
        let seeds: Vec<usize> = (0..3).flat_map(|s| std::iter::repeat_n(s, 64)).collect();
        assert_eq!(split_groups(&seeds, 256), vec![0..192]);
        assert_eq!(split_groups(&seeds, 128), vec![0..128, 128..192]);
        assert_eq!(split_groups(&seeds, 64), vec![0..64, 64..128, 128..192]);
        assert_eq!(split_groups(&seeds, 48), vec![0..32, 32..64, 64..96, 96..128, 128..160, 160..192]);
        assert_eq!(split_groups(&seeds, 1).len(), 192);
        assert_eq!(split_groups(&seeds, 0).len(), 192, "zero degrades to one model per group");
        assert_eq!(split_groups(&[0, 0, 1], 2), vec![0..2, 2..3]);
        assert!(split_groups(&[], 4).is_empty());
    }

    #[test]
    fn group_size_follows_the_adapter_limits() {
        let sizes = [784, 500, 256, 10];
        let fp = footprint(&sizes, 32, 1000);
        // The first layer dominates: 784 × 500 × 4 bytes = 1.568 MB per model.
        assert_eq!(fp.largest_tensor, 2_000_000);
        let webgpu = max_group_size(fp, MemoryLimits::WEBGPU_DEFAULT);
        assert_eq!(webgpu, (128u64 << 20) as usize / 2_000_000);
        // SwiftShader's 1 GiB buffers allow more; a tiny device still gets groups of one.
        assert!(max_group_size(fp, MemoryLimits::from_buffer_limit(1 << 30)) > webgpu);
        assert_eq!(max_group_size(fp, MemoryLimits::from_buffer_limit(1 << 20)), 1);
        let chunk = eval_chunk(&sizes, 64, 1000, MemoryLimits::WEBGPU_DEFAULT);
        assert!(64 * chunk as u64 * 500 * 4 <= 128 << 20 && chunk <= 1000);
        assert_eq!(eval_chunk(&sizes, 64, 1000, MemoryLimits::from_buffer_limit(16)), 1);
    }
}
