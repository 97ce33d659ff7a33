;; The float32 inner loop of core's resampler (resample.ts), eight outputs at a time in f64x2 lanes.
;; Each output is the serial sum resampy computes for a float32 signal: for each tap, in order
;; (left wing x[n], x[n-1], ... then right wing x[n+1], ...), acc = float32(acc + c * x) with the
;; product and the sum in float64. Lanes hold different outputs, never different taps of one output,
;; so every output keeps that order and rounding (bit-identical to the JavaScript loop); the gain is
;; eight independent rounding chains in flight where JavaScript keeps four.
;;
;; run(x, y, left, leftLength, right, rightLength, inputs, outputs, count):
;;   x, y      byte addresses of x[0] and y[0] (float32; x may point before the copied window)
;;   left      the left wing's taps (float64), right the right wing's
;;   inputs    count int32 input positions n, outputs count int32 output indices t (count % 8 == 0)
;; Every tap x[n - leftLength + 1] .. x[n + rightLength] must be in memory (the caller's check).
;; Built into resample-kernel-bytes.ts by packages/core/scripts/build-resample-kernel.ts (wabt).
(module
  (memory (export "memory") 1)
  (func (export "run") (param $x i32) (param $y i32) (param $left i32) (param $leftLength i32) (param $right i32) (param $rightLength i32) (param $inputs i32) (param $outputs i32) (param $count i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32) (local $p6 i32) (local $p7 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $c v128) (local $tap i32) (local $coefficient i32) (local $g i32)
    (block $done (loop $group
      (br_if $done (i32.ge_u (local.get $g) (local.get $count)))
      ;; left wing: p_k walks down from x[n_k]
      (local.set $p0 (i32.add (local.get $x) (i32.shl (i32.load offset=0 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))))
      (local.set $p1 (i32.add (local.get $x) (i32.shl (i32.load offset=4 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))))
      (local.set $p2 (i32.add (local.get $x) (i32.shl (i32.load offset=8 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))))
      (local.set $p3 (i32.add (local.get $x) (i32.shl (i32.load offset=12 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))))
      (local.set $p4 (i32.add (local.get $x) (i32.shl (i32.load offset=16 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))))
      (local.set $p5 (i32.add (local.get $x) (i32.shl (i32.load offset=20 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))))
      (local.set $p6 (i32.add (local.get $x) (i32.shl (i32.load offset=24 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))))
      (local.set $p7 (i32.add (local.get $x) (i32.shl (i32.load offset=28 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))))
      (local.set $a0 (v128.const i64x2 0 0))
      (local.set $a1 (v128.const i64x2 0 0))
      (local.set $a2 (v128.const i64x2 0 0))
      (local.set $a3 (v128.const i64x2 0 0))
      (local.set $coefficient (local.get $left)) (local.set $tap (i32.const 0))
      (block $endLeft (loop $tapLeft
        (br_if $endLeft (i32.ge_u (local.get $tap) (local.get $leftLength)))
        (local.set $c (v128.load64_splat (local.get $coefficient)))
        (local.set $a0 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (local.get $a0) (f64x2.mul (local.get $c) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (local.get $p1) (v128.load32_zero (local.get $p0)))))))))
        (local.set $a1 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (local.get $a1) (f64x2.mul (local.get $c) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (local.get $p3) (v128.load32_zero (local.get $p2)))))))))
        (local.set $a2 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (local.get $a2) (f64x2.mul (local.get $c) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (local.get $p5) (v128.load32_zero (local.get $p4)))))))))
        (local.set $a3 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (local.get $a3) (f64x2.mul (local.get $c) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (local.get $p7) (v128.load32_zero (local.get $p6)))))))))
        (local.set $p0 (i32.sub (local.get $p0) (i32.const 4))) (local.set $p1 (i32.sub (local.get $p1) (i32.const 4))) (local.set $p2 (i32.sub (local.get $p2) (i32.const 4))) (local.set $p3 (i32.sub (local.get $p3) (i32.const 4))) (local.set $p4 (i32.sub (local.get $p4) (i32.const 4))) (local.set $p5 (i32.sub (local.get $p5) (i32.const 4))) (local.set $p6 (i32.sub (local.get $p6) (i32.const 4))) (local.set $p7 (i32.sub (local.get $p7) (i32.const 4)))
        (local.set $coefficient (i32.add (local.get $coefficient) (i32.const 8)))
        (local.set $tap (i32.add (local.get $tap) (i32.const 1)))
        (br $tapLeft)))
      ;; right wing: p_k walks up from x[n_k + 1]
      (local.set $p0 (i32.add (local.get $x) (i32.shl (i32.add (i32.load offset=0 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (local.set $p1 (i32.add (local.get $x) (i32.shl (i32.add (i32.load offset=4 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (local.set $p2 (i32.add (local.get $x) (i32.shl (i32.add (i32.load offset=8 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (local.set $p3 (i32.add (local.get $x) (i32.shl (i32.add (i32.load offset=12 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (local.set $p4 (i32.add (local.get $x) (i32.shl (i32.add (i32.load offset=16 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (local.set $p5 (i32.add (local.get $x) (i32.shl (i32.add (i32.load offset=20 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (local.set $p6 (i32.add (local.get $x) (i32.shl (i32.add (i32.load offset=24 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (local.set $p7 (i32.add (local.get $x) (i32.shl (i32.add (i32.load offset=28 (i32.add (local.get $inputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 1)) (i32.const 2))))
      (local.set $coefficient (local.get $right)) (local.set $tap (i32.const 0))
      (block $endRight (loop $tapRight
        (br_if $endRight (i32.ge_u (local.get $tap) (local.get $rightLength)))
        (local.set $c (v128.load64_splat (local.get $coefficient)))
        (local.set $a0 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (local.get $a0) (f64x2.mul (local.get $c) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (local.get $p1) (v128.load32_zero (local.get $p0)))))))))
        (local.set $a1 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (local.get $a1) (f64x2.mul (local.get $c) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (local.get $p3) (v128.load32_zero (local.get $p2)))))))))
        (local.set $a2 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (local.get $a2) (f64x2.mul (local.get $c) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (local.get $p5) (v128.load32_zero (local.get $p4)))))))))
        (local.set $a3 (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero
          (f64x2.add (local.get $a3) (f64x2.mul (local.get $c) (f64x2.promote_low_f32x4 (v128.load32_lane 1 (local.get $p7) (v128.load32_zero (local.get $p6)))))))))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 4))) (local.set $p1 (i32.add (local.get $p1) (i32.const 4))) (local.set $p2 (i32.add (local.get $p2) (i32.const 4))) (local.set $p3 (i32.add (local.get $p3) (i32.const 4))) (local.set $p4 (i32.add (local.get $p4) (i32.const 4))) (local.set $p5 (i32.add (local.get $p5) (i32.const 4))) (local.set $p6 (i32.add (local.get $p6) (i32.const 4))) (local.set $p7 (i32.add (local.get $p7) (i32.const 4)))
        (local.set $coefficient (i32.add (local.get $coefficient) (i32.const 8)))
        (local.set $tap (i32.add (local.get $tap) (i32.const 1)))
        (br $tapRight)))
      ;; y[t_k] = the sums (already float32 values)
      (f32.store (i32.add (local.get $y) (i32.shl (i32.load offset=0 (i32.add (local.get $outputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a0))))
      (f32.store (i32.add (local.get $y) (i32.shl (i32.load offset=4 (i32.add (local.get $outputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $a0))))
      (f32.store (i32.add (local.get $y) (i32.shl (i32.load offset=8 (i32.add (local.get $outputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a1))))
      (f32.store (i32.add (local.get $y) (i32.shl (i32.load offset=12 (i32.add (local.get $outputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $a1))))
      (f32.store (i32.add (local.get $y) (i32.shl (i32.load offset=16 (i32.add (local.get $outputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a2))))
      (f32.store (i32.add (local.get $y) (i32.shl (i32.load offset=20 (i32.add (local.get $outputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $a2))))
      (f32.store (i32.add (local.get $y) (i32.shl (i32.load offset=24 (i32.add (local.get $outputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (f32.demote_f64 (f64x2.extract_lane 0 (local.get $a3))))
      (f32.store (i32.add (local.get $y) (i32.shl (i32.load offset=28 (i32.add (local.get $outputs) (i32.shl (local.get $g) (i32.const 2)))) (i32.const 2))) (f32.demote_f64 (f64x2.extract_lane 1 (local.get $a3))))
      (local.set $g (i32.add (local.get $g) (i32.const 8)))
      (br $group)))
  )
)
