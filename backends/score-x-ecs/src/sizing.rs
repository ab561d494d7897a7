//! CPU/memory arithmetic: Score quantities → ECS units, and the smallest valid Fargate task size.

use score_x_core::resolved::ResolvedContainer;

/// One Fargate CPU tier: CPU units and the valid memory values (MiB) for it.
struct Tier {
    cpu: u64,
    min: u64,
    max: u64,
    step: u64,
    /// Tiers below 1 vCPU list explicit values instead of a range.
    explicit: &'static [u64],
}

/// Valid Fargate (Linux) task sizes (AWS documentation, 2026).
const TIERS: &[Tier] = &[
    Tier {
        cpu: 256,
        min: 0,
        max: 0,
        step: 0,
        explicit: &[512, 1024, 2048],
    },
    Tier {
        cpu: 512,
        min: 1024,
        max: 4096,
        step: 1024,
        explicit: &[],
    },
    Tier {
        cpu: 1024,
        min: 2048,
        max: 8192,
        step: 1024,
        explicit: &[],
    },
    Tier {
        cpu: 2048,
        min: 4096,
        max: 16384,
        step: 1024,
        explicit: &[],
    },
    Tier {
        cpu: 4096,
        min: 8192,
        max: 30720,
        step: 1024,
        explicit: &[],
    },
    Tier {
        cpu: 8192,
        min: 16384,
        max: 61440,
        step: 4096,
        explicit: &[],
    },
    Tier {
        cpu: 16384,
        min: 32768,
        max: 122880,
        step: 8192,
        explicit: &[],
    },
];

/// The smallest valid Fargate `(cpu units, memory MiB)` with at least `cpu` units and `memory`
/// MiB: the lowest CPU tier that can hold the memory, then the lowest memory of that tier.
pub fn fargate_size(cpu: u64, memory: u64) -> Option<(u64, u64)> {
    TIERS.iter().filter(|t| t.cpu >= cpu).find_map(|t| {
        if t.explicit.is_empty() {
            let mut m = t.min;
            while m <= t.max {
                if m >= memory {
                    return Some((t.cpu, m));
                }
                m += t.step;
            }
            None
        } else {
            t.explicit
                .iter()
                .find(|&&m| m >= memory)
                .map(|&m| (t.cpu, m))
        }
    })
}

/// CPU units (1 vCPU = 1024) for millicores, rounded up.
pub fn cpu_units(millis: u64) -> u64 {
    (millis * 1024).div_ceil(1000)
}

/// What one container asks for, in ECS units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContainerSize {
    /// `cpu` (units): max(limit, request).
    pub cpu: Option<u64>,
    /// `memory` (hard, MiB): the limit.
    pub memory: Option<u64>,
    /// `memoryReservation` (soft, MiB): the request.
    pub reservation: Option<u64>,
}

impl ContainerSize {
    pub fn of(c: &ResolvedContainer) -> Self {
        let Some(r) = &c.resources else {
            return ContainerSize::default();
        };
        let lim = r.limits.as_ref();
        let req = r.requests.as_ref();
        let lcpu = lim
            .and_then(|q| q.cpu.as_ref())
            .map(|c| cpu_units(c.millis));
        let rcpu = req
            .and_then(|q| q.cpu.as_ref())
            .map(|c| cpu_units(c.millis));
        let memory = lim
            .and_then(|q| q.memory.as_ref())
            .map(|m| m.mebibytes_ceil());
        let mut reservation = req
            .and_then(|q| q.memory.as_ref())
            .map(|m| m.mebibytes_ceil());
        // ECS requires memory > memoryReservation when both are set.
        if let (Some(m), Some(r)) = (memory, reservation)
            && r >= m
        {
            reservation = None;
        }
        ContainerSize {
            cpu: lcpu.max(rcpu),
            memory,
            reservation,
        }
    }

    /// Memory counted for the task: the hard limit, else the reservation.
    pub fn memory_need(&self) -> u64 {
        self.memory.or(self.reservation).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Case = ((u64, u64), Option<(u64, u64)>);

    #[test]
    fn table() {
        let cases: &[Case] = &[
            ((0, 0), Some((256, 512))),
            ((256, 512), Some((256, 512))),
            ((100, 600), Some((256, 1024))),
            ((256, 2048), Some((256, 2048))),
            ((256, 2049), Some((512, 3072))),
            ((257, 0), Some((512, 1024))),
            ((512, 4097), Some((1024, 5120))),
            ((1024, 8193), Some((2048, 9216))),
            ((2048, 16385), Some((4096, 17408))),
            ((4096, 30721), Some((8192, 32768))),
            ((4097, 1), Some((8192, 16384))),
            ((8192, 61441), Some((16384, 65536))),
            ((8193, 0), Some((16384, 32768))),
            ((16384, 122880), Some((16384, 122880))),
            ((16385, 0), None),
            ((0, 122881), None),
        ];
        for &((c, m), want) in cases {
            assert_eq!(fargate_size(c, m), want, "cpu {c} memory {m}");
        }
    }

    #[test]
    fn every_result_is_a_valid_pair() {
        for c in (0..=16384).step_by(97) {
            for m in (0..=122880).step_by(1531) {
                if let Some((tc, tm)) = fargate_size(c, m) {
                    assert!(tc >= c && tm >= m);
                    let t = TIERS.iter().find(|t| t.cpu == tc).unwrap();
                    if t.explicit.is_empty() {
                        assert!(tm >= t.min && tm <= t.max && (tm - t.min) % t.step == 0);
                    } else {
                        assert!(t.explicit.contains(&tm));
                    }
                }
            }
        }
    }

    #[test]
    fn units() {
        assert_eq!(cpu_units(1000), 1024);
        assert_eq!(cpu_units(250), 256);
        assert_eq!(cpu_units(100), 103); // 102.4 rounded up
        assert_eq!(cpu_units(2500), 2560);
    }
}
