//! Order-keeping `map` over every core with scoped threads: the proof path's per-photo work
//! (decoding, scaling, post-processing, cropping, decoding CTC) runs between inference calls, which
//! use every core themselves, so doing it on one core would leave the others idle.

pub fn map<T: Send, U: Send>(items: Vec<T>, map: impl Fn(T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(items.len());
    if threads <= 1 {
        return items.into_iter().map(map).collect();
    }
    let per_thread = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut items = items.into_iter();
    loop {
        let chunk: Vec<T> = items.by_ref().take(per_thread).collect();
        if chunk.is_empty() {
            break;
        }
        chunks.push(chunk);
    }
    let map = &map;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| scope.spawn(move || chunk.into_iter().map(map).collect::<Vec<U>>()))
            .collect();
        // A panic in `map` is a bug in this crate; carry it to the caller rather than lose items.
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_order_and_every_item() {
        let out = super::map((0..1_001).collect(), |i: u32| i * 2);
        assert_eq!(out, (0..1_001).map(|i| i * 2).collect::<Vec<_>>());
        assert!(super::map(Vec::<u32>::new(), |i| i).is_empty());
    }
}
