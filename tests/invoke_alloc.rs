//! `Interpreter::invoke` allocates nothing: every buffer, packed weight and scratch is
//! made at prepare time (the zero-copy tensor views of the JS API rely on it: wasm memory
//! only grows when something allocates). Counted with a global allocator, on this thread
//! only, for every variant of the digits reference model and for a dynamic batch.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use litequant::interp::{interpreter_from_tflite, set_input_from_f32};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        if COUNTING.with(Cell::get) {
            COUNT.with(|c| c.set(c.get() + 1));
        }
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    COUNT.with(|c| c.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    COUNT.with(Cell::get)
}

#[test]
fn invoke_does_not_allocate() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/digits_mlp");
    for variant in ["float32", "fp16", "int8", "dynamic"] {
        let bytes = std::fs::read(format!("{dir}/model_{variant}.tflite")).unwrap();
        let mut it = interpreter_from_tflite(&bytes).unwrap();
        let d = it.input_details()[0].clone();
        let width: usize = d.shape[1..].iter().map(|&v| v as usize).product();
        for batch in [1usize, 7] {
            if d.shape_signature[0] == -1 {
                let mut shape = d.shape.clone();
                shape[0] = batch as i32;
                it.resize_input(0, &shape).unwrap();
            } else if batch != 1 {
                continue;
            }
            let x: Vec<f32> = (0..batch * width).map(|i| (i % 17) as f32 / 17.0).collect();
            set_input_from_f32(&mut it, 0, &x).unwrap();
            it.invoke().unwrap(); // first run: anything lazy happens here
            let n = allocations(|| {
                for _ in 0..5 {
                    it.invoke().unwrap();
                }
            });
            assert_eq!(n, 0, "{variant} batch {batch}: invoke allocated {n} times");
        }
    }
}
