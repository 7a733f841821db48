//! The open rollup bucket of one peer at one level (hour, day or billing cycle): the running
//! sum kept in the peer's `peer_counters` row, which the poll rewrites anyway, instead of an
//! upsert into the rollup table on every poll (three more rows per peer per poll: most of a
//! 50,000-peer poll's database time, BENCHMARKS.md).
//!
//! A rollup table holds the closed buckets; the open one lives beside the baseline. A delta in
//! the open bucket adds to it; a delta in a later bucket closes it (its sum goes to the table)
//! and opens the new one; a delta in an earlier bucket (the clock or the calendar went back)
//! goes straight to the table. So every bucket a table holds for a peer is earlier than the
//! peer's open bucket, and a bucket's bytes are the table's row plus the open sum when the keys
//! match — which is how every reader adds them up (`db::usage`, `service::peer_list` …).
//! Nothing is lost or counted twice: each delta lands in exactly one place, in the same
//! transaction as the baseline it was measured from.

/// A bucket key with its running received and sent sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenBucket<B> {
    pub bucket: B,
    pub rx: u64,
    pub tx: u64,
}

/// What adding one delta does: the new open bucket, and the sum to add to the rollup table (a
/// closed bucket, or a delta for a bucket earlier than the open one), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Advance<B> {
    pub open: Option<OpenBucket<B>>,
    pub to_table: Option<OpenBucket<B>>,
}

/// Adds `rx`/`tx` measured in `bucket` to the peer's `open` bucket (see the module header).
/// A zero delta changes nothing. Sums saturate at `u64::MAX` (the store saturates at
/// `i64::MAX`), like every running total of the poll: 18 EB in one bucket is not a real count.
pub fn advance<B: Ord + Copy>(
    open: Option<OpenBucket<B>>,
    bucket: B,
    rx: u64,
    tx: u64,
) -> Advance<B> {
    let delta = OpenBucket { bucket, rx, tx };
    if rx == 0 && tx == 0 {
        return Advance {
            open,
            to_table: None,
        };
    }
    match open {
        None => Advance {
            open: Some(delta),
            to_table: None,
        },
        Some(current) if current.bucket == bucket => Advance {
            open: Some(OpenBucket {
                bucket,
                rx: current.rx.saturating_add(rx),
                tx: current.tx.saturating_add(tx),
            }),
            to_table: None,
        },
        Some(current) if current.bucket < bucket => Advance {
            open: Some(delta),
            to_table: Some(current),
        },
        Some(current) => Advance {
            open: Some(current),
            to_table: Some(delta),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn same_bucket_adds_later_bucket_closes_earlier_bucket_goes_to_the_table() {
        let first = advance(None, 10, 5, 7);
        assert_eq!(
            first,
            Advance {
                open: Some(OpenBucket {
                    bucket: 10,
                    rx: 5,
                    tx: 7
                }),
                to_table: None
            }
        );
        let same = advance(first.open, 10, 1, 2);
        assert_eq!(
            same.open,
            Some(OpenBucket {
                bucket: 10,
                rx: 6,
                tx: 9
            })
        );
        assert_eq!(same.to_table, None);
        let later = advance(same.open, 11, 3, 0);
        assert_eq!(
            later.to_table,
            Some(OpenBucket {
                bucket: 10,
                rx: 6,
                tx: 9
            })
        );
        assert_eq!(
            later.open,
            Some(OpenBucket {
                bucket: 11,
                rx: 3,
                tx: 0
            })
        );
        let earlier = advance(later.open, 9, 0, 4);
        assert_eq!(earlier.open, later.open);
        assert_eq!(
            earlier.to_table,
            Some(OpenBucket {
                bucket: 9,
                rx: 0,
                tx: 4
            })
        );
    }

    #[test]
    fn a_zero_delta_changes_nothing_even_in_a_new_bucket() {
        let open = Some(OpenBucket {
            bucket: 3,
            rx: 1,
            tx: 1,
        });
        assert_eq!(
            advance(open, 4, 0, 0),
            Advance {
                open,
                to_table: None
            }
        );
        assert_eq!(
            advance::<i32>(None, 4, 0, 0),
            Advance {
                open: None,
                to_table: None
            }
        );
    }

    #[test]
    fn sums_saturate() {
        let open = advance(None, 1, u64::MAX, 1).open;
        assert_eq!(
            advance(open, 1, 5, 1).open,
            Some(OpenBucket {
                bucket: 1,
                rx: u64::MAX,
                tx: 2
            })
        );
    }

    proptest! {
        /// Any sequence of deltas, in any bucket order: table rows plus the open bucket give
        /// every bucket exactly its bytes, and the table never holds the open bucket or a
        /// later one.
        #[test]
        fn table_plus_open_equals_the_deltas_per_bucket(
            deltas in prop::collection::vec((0u8..12, 0u64..1_000, 0u64..1_000), 0..200)
        ) {
            let mut expected: BTreeMap<u8, (u64, u64)> = BTreeMap::new();
            let mut table: BTreeMap<u8, (u64, u64)> = BTreeMap::new();
            let mut open = None;
            for (bucket, rx, tx) in deltas {
                if rx != 0 || tx != 0 {
                    let e = expected.entry(bucket).or_default();
                    e.0 += rx;
                    e.1 += tx;
                }
                let step = advance(open, bucket, rx, tx);
                if let Some(row) = step.to_table {
                    let t = table.entry(row.bucket).or_default();
                    t.0 += row.rx;
                    t.1 += row.tx;
                }
                open = step.open;
                if let Some(o) = open {
                    prop_assert!(table.keys().all(|k| *k < o.bucket));
                }
            }
            if let Some(o) = open {
                let t = table.entry(o.bucket).or_default();
                t.0 += o.rx;
                t.1 += o.tx;
            }
            prop_assert_eq!(table, expected);
        }
    }
}
