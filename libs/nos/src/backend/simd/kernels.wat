;; SIMD kernels operating in place on the tfjs-backend-wasm heap (the module imports the
;; backend's exported memory). All pointers are byte offsets; tensors are float32, NHWC, with the
;; channel count C a multiple of 4. Built into ../simd-kernels.ts by bench/gen-simd-kernels.ts.
(module
  (import "env" "memory" (memory 1))

  ;; Per-channel shifted sums for batch statistics, accumulated (+=) in float64:
  ;;   s1[c] += Σ (x − shift[c]),  s2[c] += Σ (x − shift[c])²  over `rows` rows of C values.
  ;; Rows are summed in float32 within blocks of 32 rows, blocks in float64.
  (func (export "bn_stats")
    (param $x i32) (param $rows i32) (param $C i32) (param $shift i32) (param $s1 i32) (param $s2 i32)
    (local $stride i32) (local $r0 i32) (local $r1 i32) (local $c4 i32) (local $cb i32)
    (local $p i32) (local $pend i32) (local $q i32)
    (local $a1 v128) (local $a2 v128) (local $d v128) (local $sh v128)
    (local.set $stride (i32.shl (local.get $C) (i32.const 2)))
    (local.set $cb (local.get $stride))
    (local.set $r0 (i32.const 0))
    (block $done
      (loop $rows_loop
        (br_if $done (i32.ge_u (local.get $r0) (local.get $rows)))
        (local.set $r1 (i32.add (local.get $r0) (i32.const 32)))
        (if (i32.gt_u (local.get $r1) (local.get $rows)) (then (local.set $r1 (local.get $rows))))
        (local.set $c4 (i32.const 0))
        (loop $c_loop
          (local.set $sh (v128.load (i32.add (local.get $shift) (local.get $c4))))
          (local.set $a1 (v128.const f32x4 0 0 0 0))
          (local.set $a2 (v128.const f32x4 0 0 0 0))
          (local.set $p (i32.add (i32.add (local.get $x) (i32.mul (local.get $r0) (local.get $stride))) (local.get $c4)))
          (local.set $pend (i32.add (i32.add (local.get $x) (i32.mul (local.get $r1) (local.get $stride))) (local.get $c4)))
          (loop $r_loop
            (local.set $d (f32x4.sub (v128.load (local.get $p)) (local.get $sh)))
            (local.set $a1 (f32x4.add (local.get $a1) (local.get $d)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $p (i32.add (local.get $p) (local.get $stride)))
            (br_if $r_loop (i32.lt_u (local.get $p) (local.get $pend))))
          ;; float64 offsets: c4 bytes of float32 = 2·c4 bytes of float64
          (local.set $q (i32.add (local.get $s1) (i32.shl (local.get $c4) (i32.const 1))))
          (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) (f64x2.promote_low_f32x4 (local.get $a1))))
          (v128.store offset=16 (local.get $q) (f64x2.add (v128.load offset=16 (local.get $q))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a1) (local.get $a1)))))
          (local.set $q (i32.add (local.get $s2) (i32.shl (local.get $c4) (i32.const 1))))
          (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) (f64x2.promote_low_f32x4 (local.get $a2))))
          (v128.store offset=16 (local.get $q) (f64x2.add (v128.load offset=16 (local.get $q))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a2) (local.get $a2)))))
          (local.set $c4 (i32.add (local.get $c4) (i32.const 16)))
          (br_if $c_loop (i32.lt_u (local.get $c4) (local.get $cb))))
        (local.set $r0 (local.get $r1))
        (br $rows_loop))))

  ;; y = min(max(x·k[c] + b[c], lo), hi) over n elements (n a multiple of C).
  (func (export "bn_apply")
    (param $x i32) (param $y i32) (param $n i32) (param $C i32) (param $k i32) (param $b i32) (param $lo f32) (param $hi f32)
    (local $i i32) (local $end i32) (local $c4 i32) (local $cb i32) (local $lov v128) (local $hiv v128)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $c4 (i32.const 0))
      (loop $ch
        (v128.store (i32.add (i32.add (local.get $y) (local.get $i)) (local.get $c4))
          (f32x4.min
            (f32x4.max
              (f32x4.add
                (f32x4.mul (v128.load (i32.add (i32.add (local.get $x) (local.get $i)) (local.get $c4)))
                           (v128.load (i32.add (local.get $k) (local.get $c4))))
                (v128.load (i32.add (local.get $b) (local.get $c4))))
              (local.get $lov))
            (local.get $hiv)))
        (local.set $c4 (i32.add (local.get $c4) (i32.const 16)))
        (br_if $ch (i32.lt_u (local.get $c4) (local.get $cb))))
      (local.set $i (i32.add (local.get $i) (local.get $cb)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $end)))))

  ;; Backward sums: dz = dy where lo < x·k+b <= hi (else 0);
  ;;   s1[c] += Σ dz,  s2[c] += Σ dz·(x − mu[c])   (float64 accumulators, 32-row float32 blocks).
  (func (export "bn_grad_sums")
    (param $dy i32) (param $x i32) (param $rows i32) (param $C i32) (param $k i32) (param $b i32) (param $mu i32)
    (param $lo f32) (param $hi f32) (param $s1 i32) (param $s2 i32)
    (local $stride i32) (local $r0 i32) (local $r1 i32) (local $c4 i32) (local $off i32) (local $offend i32) (local $q i32)
    (local $a1 v128) (local $a2 v128) (local $xv v128) (local $dz v128) (local $pre v128)
    (local $kv v128) (local $bv v128) (local $muv v128) (local $lov v128) (local $hiv v128)
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (local.set $stride (i32.shl (local.get $C) (i32.const 2)))
    (local.set $r0 (i32.const 0))
    (block $done
      (loop $rows_loop
        (br_if $done (i32.ge_u (local.get $r0) (local.get $rows)))
        (local.set $r1 (i32.add (local.get $r0) (i32.const 32)))
        (if (i32.gt_u (local.get $r1) (local.get $rows)) (then (local.set $r1 (local.get $rows))))
        (local.set $c4 (i32.const 0))
        (loop $c_loop
          (local.set $kv (v128.load (i32.add (local.get $k) (local.get $c4))))
          (local.set $bv (v128.load (i32.add (local.get $b) (local.get $c4))))
          (local.set $muv (v128.load (i32.add (local.get $mu) (local.get $c4))))
          (local.set $a1 (v128.const f32x4 0 0 0 0))
          (local.set $a2 (v128.const f32x4 0 0 0 0))
          (local.set $off (i32.add (i32.mul (local.get $r0) (local.get $stride)) (local.get $c4)))
          (local.set $offend (i32.add (i32.mul (local.get $r1) (local.get $stride)) (local.get $c4)))
          (loop $r_loop
            (local.set $xv (v128.load (i32.add (local.get $x) (local.get $off))))
            (local.set $pre (f32x4.add (f32x4.mul (local.get $xv) (local.get $kv)) (local.get $bv)))
            (local.set $dz (v128.and (v128.load (i32.add (local.get $dy) (local.get $off)))
              (v128.and (f32x4.gt (local.get $pre) (local.get $lov)) (f32x4.le (local.get $pre) (local.get $hiv)))))
            (local.set $a1 (f32x4.add (local.get $a1) (local.get $dz)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $dz) (f32x4.sub (local.get $xv) (local.get $muv)))))
            (local.set $off (i32.add (local.get $off) (local.get $stride)))
            (br_if $r_loop (i32.lt_u (local.get $off) (local.get $offend))))
          (local.set $q (i32.add (local.get $s1) (i32.shl (local.get $c4) (i32.const 1))))
          (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) (f64x2.promote_low_f32x4 (local.get $a1))))
          (v128.store offset=16 (local.get $q) (f64x2.add (v128.load offset=16 (local.get $q))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a1) (local.get $a1)))))
          (local.set $q (i32.add (local.get $s2) (i32.shl (local.get $c4) (i32.const 1))))
          (v128.store (local.get $q) (f64x2.add (v128.load (local.get $q)) (f64x2.promote_low_f32x4 (local.get $a2))))
          (v128.store offset=16 (local.get $q) (f64x2.add (v128.load offset=16 (local.get $q))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a2) (local.get $a2)))))
          (local.set $c4 (i32.add (local.get $c4) (i32.const 16)))
          (br_if $c_loop (i32.lt_u (local.get $c4) (local.get $stride))))
        (local.set $r0 (local.get $r1))
        (br $rows_loop))))

  ;; dx = dz·k[c] + x·w[c] + u[c] with dz = dy where lo < x·k+b <= hi (else 0); n elements.
  (func (export "bn_grad_dx")
    (param $dy i32) (param $x i32) (param $dx i32) (param $n i32) (param $C i32) (param $k i32) (param $b i32)
    (param $lo f32) (param $hi f32) (param $w i32) (param $u i32)
    (local $i i32) (local $end i32) (local $c4 i32) (local $cb i32) (local $lov v128) (local $hiv v128)
    (local $xv v128) (local $kv v128) (local $pre v128) (local $dz v128)
    (if (i32.eqz (local.get $n)) (then (return)))
    (local.set $lov (f32x4.splat (local.get $lo)))
    (local.set $hiv (f32x4.splat (local.get $hi)))
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $c4 (i32.const 0))
      (loop $ch
        (local.set $xv (v128.load (i32.add (i32.add (local.get $x) (local.get $i)) (local.get $c4))))
        (local.set $kv (v128.load (i32.add (local.get $k) (local.get $c4))))
        (local.set $pre (f32x4.add (f32x4.mul (local.get $xv) (local.get $kv)) (v128.load (i32.add (local.get $b) (local.get $c4)))))
        (local.set $dz (v128.and (v128.load (i32.add (i32.add (local.get $dy) (local.get $i)) (local.get $c4)))
          (v128.and (f32x4.gt (local.get $pre) (local.get $lov)) (f32x4.le (local.get $pre) (local.get $hiv)))))
        (v128.store (i32.add (i32.add (local.get $dx) (local.get $i)) (local.get $c4))
          (f32x4.add
            (f32x4.add (f32x4.mul (local.get $dz) (local.get $kv))
                       (f32x4.mul (local.get $xv) (v128.load (i32.add (local.get $w) (local.get $c4)))))
            (v128.load (i32.add (local.get $u) (local.get $c4)))))
        (local.set $c4 (i32.add (local.get $c4) (i32.const 16)))
        (br_if $ch (i32.lt_u (local.get $c4) (local.get $cb))))
      (local.set $i (i32.add (local.get $i) (local.get $cb)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $end)))))

  ;; Depthwise convolution gradients of one image, x: [H, W, C], dy: [Ho, Wo, C], taps [KH, KW, C]:
  ;;   role 1 (input gradient):  x[oh·SH+kh−pt, ow·SW+kw−pl, c] += w[kh,kw,c] · dy[oh, ow, c]
  ;;   role 2 (filter gradient): w[kh,kw,c] += x[oh·SH+kh−pt, ow·SW+kw−pl, c] · dy[oh, ow, c]
  ;; (float32 accumulation; C a multiple of 4).
  (func (export "dw_pass")
    (param $role i32) (param $x i32) (param $dy i32) (param $acc i32)
    (param $H i32) (param $W i32) (param $C i32) (param $Ho i32) (param $Wo i32)
    (param $KH i32) (param $KW i32) (param $SH i32) (param $SW i32) (param $pt i32) (param $pl i32)
    (local $cb i32) (local $oh i32) (local $ow i32) (local $kh i32) (local $kw i32) (local $ih i32) (local $iw i32)
    (local $g i32) (local $xp i32) (local $ap i32) (local $c4 i32) (local $a i32) (local $b i32)
    (local.set $cb (i32.shl (local.get $C) (i32.const 2)))
    (local.set $oh (i32.const 0))
    (block $oh_done (loop $oh_loop
      (br_if $oh_done (i32.ge_s (local.get $oh) (local.get $Ho)))
      (local.set $kh (i32.const 0))
      (block $kh_done (loop $kh_loop
        (br_if $kh_done (i32.ge_s (local.get $kh) (local.get $KH)))
        (local.set $ih (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $SH)) (local.get $kh)) (local.get $pt)))
        (if (i32.and (i32.ge_s (local.get $ih) (i32.const 0)) (i32.lt_s (local.get $ih) (local.get $H)))
          (then
            (local.set $ow (i32.const 0))
            (block $ow_done (loop $ow_loop
              (br_if $ow_done (i32.ge_s (local.get $ow) (local.get $Wo)))
              (local.set $g (i32.add (local.get $dy)
                (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $Wo)) (local.get $ow)) (local.get $cb))))
              (local.set $kw (i32.const 0))
              (block $kw_done (loop $kw_loop
                (br_if $kw_done (i32.ge_s (local.get $kw) (local.get $KW)))
                (local.set $iw (i32.sub (i32.add (i32.mul (local.get $ow) (local.get $SW)) (local.get $kw)) (local.get $pl)))
                (if (i32.and (i32.ge_s (local.get $iw) (i32.const 0)) (i32.lt_s (local.get $iw) (local.get $W)))
                  (then
                    (local.set $xp (i32.add (local.get $x)
                      (i32.mul (i32.add (i32.mul (local.get $ih) (local.get $W)) (local.get $iw)) (local.get $cb))))
                    (local.set $ap (i32.add (local.get $acc)
                      (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $KW)) (local.get $kw)) (local.get $cb))))
                    (if (i32.eq (local.get $role) (i32.const 1))
                      (then (local.set $a (local.get $xp)) (local.set $b (local.get $ap)))
                      (else (local.set $a (local.get $ap)) (local.set $b (local.get $xp))))
                    (local.set $c4 (i32.const 0))
                    (loop $c_loop
                      (v128.store (i32.add (local.get $a) (local.get $c4))
                        (f32x4.add (v128.load (i32.add (local.get $a) (local.get $c4)))
                          (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $c4)))
                                     (v128.load (i32.add (local.get $g) (local.get $c4))))))
                      (local.set $c4 (i32.add (local.get $c4) (i32.const 16)))
                      (br_if $c_loop (i32.lt_u (local.get $c4) (local.get $cb))))))
                (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
                (br $kw_loop)))
              (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
              (br $ow_loop)))))
        (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
        (br $kh_loop)))
      (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
      (br $oh_loop))))

  ;; One 1-D depthwise segment of a FuSe stage, one image: output channels [o0, o0+Cb) of g
  ;; ([Ho, Wo, Cout]) from input channels [i0, i0+Cb) of x ([H, W, Cin]) with the taps w[K, Cb] along
  ;; W (vert = 0: ih = oh·s, iw = ow·s + k − p) or along H (vert = 1: ih = oh·s + k − p, iw = ow·s).
  ;; role 0 (forward): g += w·x;  role 1 (input gradient): x += w·g;  role 2 (filter gradient):
  ;; w += x·g. Cb is a multiple of 4.
  (func (export "fuse_pass")
    (param $role i32) (param $x i32) (param $g i32) (param $w i32)
    (param $H i32) (param $W i32) (param $Cin i32) (param $Ho i32) (param $Wo i32) (param $Cout i32)
    (param $i0 i32) (param $o0 i32) (param $Cb i32) (param $K i32) (param $s i32) (param $p i32) (param $vert i32)
    (local $cb i32) (local $oh i32) (local $ow i32) (local $k i32) (local $ih i32) (local $iw i32)
    (local $gp i32) (local $xp i32) (local $wp i32) (local $a i32) (local $b i32) (local $c i32) (local $c4 i32)
    (local.set $cb (i32.shl (local.get $Cb) (i32.const 2)))
    (local.set $oh (i32.const 0))
    (block $oh_done (loop $oh_loop
      (br_if $oh_done (i32.ge_s (local.get $oh) (local.get $Ho)))
      (local.set $ow (i32.const 0))
      (block $ow_done (loop $ow_loop
        (br_if $ow_done (i32.ge_s (local.get $ow) (local.get $Wo)))
        (local.set $gp (i32.add (local.get $g) (i32.shl
          (i32.add (i32.mul (i32.add (i32.mul (local.get $oh) (local.get $Wo)) (local.get $ow)) (local.get $Cout)) (local.get $o0))
          (i32.const 2))))
        (local.set $k (i32.const 0))
        (block $k_done (loop $k_loop
          (br_if $k_done (i32.ge_s (local.get $k) (local.get $K)))
          (if (local.get $vert)
            (then
              (local.set $ih (i32.sub (i32.add (i32.mul (local.get $oh) (local.get $s)) (local.get $k)) (local.get $p)))
              (local.set $iw (i32.mul (local.get $ow) (local.get $s))))
            (else
              (local.set $ih (i32.mul (local.get $oh) (local.get $s)))
              (local.set $iw (i32.sub (i32.add (i32.mul (local.get $ow) (local.get $s)) (local.get $k)) (local.get $p)))))
          (if (i32.and
                (i32.and (i32.ge_s (local.get $ih) (i32.const 0)) (i32.lt_s (local.get $ih) (local.get $H)))
                (i32.and (i32.ge_s (local.get $iw) (i32.const 0)) (i32.lt_s (local.get $iw) (local.get $W))))
            (then
              (local.set $xp (i32.add (local.get $x) (i32.shl
                (i32.add (i32.mul (i32.add (i32.mul (local.get $ih) (local.get $W)) (local.get $iw)) (local.get $Cin)) (local.get $i0))
                (i32.const 2))))
              (local.set $wp (i32.add (local.get $w) (i32.mul (local.get $k) (local.get $cb))))
              (if (i32.eqz (local.get $role))
                (then (local.set $a (local.get $gp)) (local.set $b (local.get $wp)) (local.set $c (local.get $xp)))
                (else
                  (if (i32.eq (local.get $role) (i32.const 1))
                    (then (local.set $a (local.get $xp)) (local.set $b (local.get $wp)) (local.set $c (local.get $gp)))
                    (else (local.set $a (local.get $wp)) (local.set $b (local.get $xp)) (local.set $c (local.get $gp))))))
              (local.set $c4 (i32.const 0))
              (loop $c_loop
                (v128.store (i32.add (local.get $a) (local.get $c4))
                  (f32x4.add (v128.load (i32.add (local.get $a) (local.get $c4)))
                    (f32x4.mul (v128.load (i32.add (local.get $b) (local.get $c4)))
                               (v128.load (i32.add (local.get $c) (local.get $c4))))))
                (local.set $c4 (i32.add (local.get $c4) (i32.const 16)))
                (br_if $c_loop (i32.lt_u (local.get $c4) (local.get $cb))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $k_loop)))
        (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
        (br $ow_loop)))
      (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
      (br $oh_loop))))

  ;; out[Ci, Co] += xᵀ·g = Σ_m x[m, ci]·g[m, co] for x [M, Ci], g [M, Co] (row-major): the
  ;; filter gradient of a 1×1 convolution without transposes or packing. Register tiles of 4 × 8
  ;; outputs; rows in blocks of 128 summed in float32 registers, then added into out.
  ;; Ci % 4 == 0, Co % 8 == 0.
  (func (export "gemm_atb")
    (param $x i32) (param $g i32) (param $out i32) (param $M i32) (param $Ci i32) (param $Co i32)
    (local $xs i32) (local $gs i32) (local $m0 i32) (local $m1 i32) (local $ci i32) (local $co i32)
    (local $op i32) (local $xp i32) (local $gp i32) (local $xend i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $g0 v128) (local $g1 v128) (local $s v128)
    (local.set $xs (i32.shl (local.get $Ci) (i32.const 2)))
    (local.set $gs (i32.shl (local.get $Co) (i32.const 2)))
    (local.set $m0 (i32.const 0))
    (block $done (loop $m_loop
      (br_if $done (i32.ge_u (local.get $m0) (local.get $M)))
      (local.set $m1 (i32.add (local.get $m0) (i32.const 128)))
      (if (i32.gt_u (local.get $m1) (local.get $M)) (then (local.set $m1 (local.get $M))))
      (local.set $ci (i32.const 0))
      (loop $ci_loop
        (local.set $co (i32.const 0))
        (loop $co_loop
          (local.set $a0 (v128.const f32x4 0 0 0 0)) (local.set $a1 (v128.const f32x4 0 0 0 0))
          (local.set $a2 (v128.const f32x4 0 0 0 0)) (local.set $a3 (v128.const f32x4 0 0 0 0))
          (local.set $a4 (v128.const f32x4 0 0 0 0)) (local.set $a5 (v128.const f32x4 0 0 0 0))
          (local.set $a6 (v128.const f32x4 0 0 0 0)) (local.set $a7 (v128.const f32x4 0 0 0 0))
          (local.set $xp (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $m0) (local.get $Ci)) (local.get $ci)) (i32.const 2))))
          (local.set $xend (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (local.get $m1) (local.get $Ci)) (local.get $ci)) (i32.const 2))))
          (local.set $gp (i32.add (local.get $g) (i32.shl (i32.add (i32.mul (local.get $m0) (local.get $Co)) (local.get $co)) (i32.const 2))))
          (loop $r_loop
            (local.set $g0 (v128.load (local.get $gp)))
            (local.set $g1 (v128.load offset=16 (local.get $gp)))
            (local.set $s (v128.load32_splat (local.get $xp)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $g0))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $g1))))
            (local.set $s (v128.load32_splat offset=4 (local.get $xp)))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $g0))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $g1))))
            (local.set $s (v128.load32_splat offset=8 (local.get $xp)))
            (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $g0))))
            (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $g1))))
            (local.set $s (v128.load32_splat offset=12 (local.get $xp)))
            (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $g0))))
            (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $g1))))
            (local.set $xp (i32.add (local.get $xp) (local.get $xs)))
            (local.set $gp (i32.add (local.get $gp) (local.get $gs)))
            (br_if $r_loop (i32.lt_u (local.get $xp) (local.get $xend))))
          ;; out rows ci..ci+3, columns co..co+7
          (local.set $op (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $ci) (local.get $Co)) (local.get $co)) (i32.const 2))))
          (v128.store (local.get $op) (f32x4.add (v128.load (local.get $op)) (local.get $a0)))
          (v128.store offset=16 (local.get $op) (f32x4.add (v128.load offset=16 (local.get $op)) (local.get $a1)))
          (local.set $op (i32.add (local.get $op) (local.get $gs)))
          (v128.store (local.get $op) (f32x4.add (v128.load (local.get $op)) (local.get $a2)))
          (v128.store offset=16 (local.get $op) (f32x4.add (v128.load offset=16 (local.get $op)) (local.get $a3)))
          (local.set $op (i32.add (local.get $op) (local.get $gs)))
          (v128.store (local.get $op) (f32x4.add (v128.load (local.get $op)) (local.get $a4)))
          (v128.store offset=16 (local.get $op) (f32x4.add (v128.load offset=16 (local.get $op)) (local.get $a5)))
          (local.set $op (i32.add (local.get $op) (local.get $gs)))
          (v128.store (local.get $op) (f32x4.add (v128.load (local.get $op)) (local.get $a6)))
          (v128.store offset=16 (local.get $op) (f32x4.add (v128.load offset=16 (local.get $op)) (local.get $a7)))
          (local.set $co (i32.add (local.get $co) (i32.const 8)))
          (br_if $co_loop (i32.lt_u (local.get $co) (local.get $Co))))
        (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
        (br_if $ci_loop (i32.lt_u (local.get $ci) (local.get $Ci))))
      (local.set $m0 (local.get $m1))
      (br $m_loop))))

  ;; C = A·B for row-major A [M, K], B [K, N], C [M, N] (C is overwritten): the forward 1×1
  ;; convolution (A = x as [N·H·W, Ci], B = W as [Ci, Co]) and its input gradient (A = dy,
  ;; B = Wᵀ). N must be a multiple of 8; any M and K ≥ 1. Tiles of 4 rows × 8 columns held in
  ;; 8 accumulators (a 6-row tile spills x64's 16 vector registers and ran 1.3–1.8× slower),
  ;; k innermost: per k two vector loads of B and four broadcasts of A feed 8 multiply-adds.
  ;; Rows past the last multiple of 4 take the same loop with one row. Each output is summed over
  ;; k in order, in float32, like XNNPACK's GEMM.
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (local $as i32) (local $rs i32) (local $m i32) (local $n i32) (local $k i32) (local $M4 i32)
    (local $ap0 i32) (local $ap1 i32) (local $ap2 i32) (local $ap3 i32) (local $bp i32) (local $cp i32)
    (local $s v128) (local $b0 v128) (local $b1 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local.set $as (i32.shl (local.get $K) (i32.const 2)))
    (local.set $rs (i32.shl (local.get $N) (i32.const 2)))
    (local.set $M4 (i32.and (local.get $M) (i32.const -4)))
    (local.set $m (i32.const 0))
    (block $rows_done
      (loop $m_loop
        (br_if $rows_done (i32.ge_u (local.get $m) (local.get $M4)))
        (local.set $n (i32.const 0))
        (loop $n_loop
          (local.set $c0 (v128.const f32x4 0 0 0 0)) (local.set $c1 (v128.const f32x4 0 0 0 0)) (local.set $c2 (v128.const f32x4 0 0 0 0)) (local.set $c3 (v128.const f32x4 0 0 0 0)) (local.set $c4 (v128.const f32x4 0 0 0 0)) (local.set $c5 (v128.const f32x4 0 0 0 0)) (local.set $c6 (v128.const f32x4 0 0 0 0)) (local.set $c7 (v128.const f32x4 0 0 0 0))
          (local.set $ap0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $as))))
          (local.set $ap1 (i32.add (local.get $ap0) (local.get $as)))
          (local.set $ap2 (i32.add (local.get $ap1) (local.get $as)))
          (local.set $ap3 (i32.add (local.get $ap2) (local.get $as)))
          (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $n) (i32.const 2))))
          (local.set $k (local.get $K))
          (loop $k_loop
            (local.set $b0 (v128.load (local.get $bp)))
            (local.set $b1 (v128.load offset=16 (local.get $bp)))
            (local.set $s (v128.load32_splat (local.get $ap0)))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (local.get $b0)))) (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (local.get $ap1)))
            (local.set $c2 (f32x4.add (local.get $c2) (f32x4.mul (local.get $s) (local.get $b0)))) (local.set $c3 (f32x4.add (local.get $c3) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (local.get $ap2)))
            (local.set $c4 (f32x4.add (local.get $c4) (f32x4.mul (local.get $s) (local.get $b0)))) (local.set $c5 (f32x4.add (local.get $c5) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $s (v128.load32_splat (local.get $ap3)))
            (local.set $c6 (f32x4.add (local.get $c6) (f32x4.mul (local.get $s) (local.get $b0)))) (local.set $c7 (f32x4.add (local.get $c7) (f32x4.mul (local.get $s) (local.get $b1))))
            (local.set $ap0 (i32.add (local.get $ap0) (i32.const 4)))
            (local.set $ap1 (i32.add (local.get $ap1) (i32.const 4)))
            (local.set $ap2 (i32.add (local.get $ap2) (i32.const 4)))
            (local.set $ap3 (i32.add (local.get $ap3) (i32.const 4)))
            (local.set $bp (i32.add (local.get $bp) (local.get $rs)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br_if $k_loop (local.get $k)))
          (local.set $cp (i32.add (local.get $c) (i32.add (i32.mul (local.get $m) (local.get $rs)) (i32.shl (local.get $n) (i32.const 2)))))
          (v128.store (local.get $cp) (local.get $c0)) (v128.store offset=16 (local.get $cp) (local.get $c1))
          (local.set $cp (i32.add (local.get $cp) (local.get $rs)))
          (v128.store (local.get $cp) (local.get $c2)) (v128.store offset=16 (local.get $cp) (local.get $c3))
          (local.set $cp (i32.add (local.get $cp) (local.get $rs)))
          (v128.store (local.get $cp) (local.get $c4)) (v128.store offset=16 (local.get $cp) (local.get $c5))
          (local.set $cp (i32.add (local.get $cp) (local.get $rs)))
          (v128.store (local.get $cp) (local.get $c6)) (v128.store offset=16 (local.get $cp) (local.get $c7))
          (local.set $n (i32.add (local.get $n) (i32.const 8)))
          (br_if $n_loop (i32.lt_u (local.get $n) (local.get $N))))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $m_loop)))
    ;; the last M mod 4 rows, one at a time
    (block $tail_done
      (loop $t_loop
        (br_if $tail_done (i32.ge_u (local.get $m) (local.get $M)))
        (local.set $n (i32.const 0))
        (loop $tn_loop
          (local.set $c0 (v128.const f32x4 0 0 0 0)) (local.set $c1 (v128.const f32x4 0 0 0 0))
          (local.set $ap0 (i32.add (local.get $a) (i32.mul (local.get $m) (local.get $as))))
          (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $n) (i32.const 2))))
          (local.set $k (local.get $K))
          (loop $tk_loop
            (local.set $s (v128.load32_splat (local.get $ap0)))
            (local.set $c0 (f32x4.add (local.get $c0) (f32x4.mul (local.get $s) (v128.load (local.get $bp)))))
            (local.set $c1 (f32x4.add (local.get $c1) (f32x4.mul (local.get $s) (v128.load offset=16 (local.get $bp)))))
            (local.set $ap0 (i32.add (local.get $ap0) (i32.const 4)))
            (local.set $bp (i32.add (local.get $bp) (local.get $rs)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br_if $tk_loop (local.get $k)))
          (local.set $cp (i32.add (local.get $c) (i32.add (i32.mul (local.get $m) (local.get $rs)) (i32.shl (local.get $n) (i32.const 2)))))
          (v128.store (local.get $cp) (local.get $c0)) (v128.store offset=16 (local.get $cp) (local.get $c1))
          (local.set $n (i32.add (local.get $n) (i32.const 8)))
          (br_if $tn_loop (i32.lt_u (local.get $n) (local.get $N))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $t_loop))))
)
