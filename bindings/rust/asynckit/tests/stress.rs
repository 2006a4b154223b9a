//! Volume: 100,000 tasks with checked results.
use asynckit::{join, Pool};

#[test]
fn hundred_thousand_tasks_with_checked_results() {
    const N: u64 = 100_000;
    let pool = Pool::new(4).unwrap();
    let values: Vec<_> = (0..N)
        .map(|i| pool.spawn(move || Ok::<_, String>(i.wrapping_mul(2_654_435_761) ^ i)))
        .collect();
    let (first, second): (Vec<_>, Vec<_>) =
        values.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    for (i, v) in first {
        let i = i as u64;
        assert_eq!(v.get().unwrap(), i.wrapping_mul(2_654_435_761) ^ i, "task {i}");
    }
    let (indices, rest): (Vec<_>, Vec<_>) = second.into_iter().unzip();
    let results = join(rest).get().unwrap();
    assert_eq!(results.len(), indices.len());
    for (i, r) in indices.into_iter().zip(results) {
        let i = i as u64;
        assert_eq!(r, i.wrapping_mul(2_654_435_761) ^ i, "task {i}");
    }
    pool.stop(asynckit::StopMode::Drain, std::time::Duration::MAX).unwrap();
    let stats = pool.stats();
    assert_eq!(stats.submitted, N);
    assert_eq!(stats.completed, N);
    assert_eq!(stats.failed, 0);
}

#[test]
fn hundred_thousand_chained_and_fanned_out_tasks() {
    let pool = Pool::new(4).unwrap();
    let chains: Vec<_> = (0..25_000u64)
        .map(|i| {
            pool.spawn(move || Ok::<_, String>(i))
                .then(|x| Ok::<_, String>(x * 2))
                .then(|x| Ok::<_, String>(x + 1))
        })
        .collect();
    // 25,000 spawns + 50,000 continuations + 25,000 more spawns = 100,000 tasks.
    let more: Vec<_> = (0..25_000u64).map(|i| pool.spawn(move || Ok::<_, String>(i))).collect();
    let sum: u64 = join(chains).get().unwrap().into_iter().sum();
    assert_eq!(sum, (0..25_000u64).map(|i| i * 2 + 1).sum());
    assert_eq!(join(more).get().unwrap(), (0..25_000u64).collect::<Vec<_>>());
}
