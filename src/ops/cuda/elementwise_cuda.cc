#include <cmath>

#include "core/cuda/context.h"
#include "ops/cuda/blas.h"
#include "ops/cuda/launch.h"
#include "ops/kernels.h"

namespace rnnkit::ops::kernels {

constexpr DeviceType kG = DeviceType::kCUDA;

namespace {
cuda::Context& ctx(const Tensor& t) { return cuda::context(t.device().index); }

cuda::Act act(Activation f) {
  return f == Activation::kSigmoid ? cuda::Act::kSigmoid
         : f == Activation::kTanh  ? cuda::Act::kTanh
         : f == Activation::kLog   ? cuda::Act::kLog
         : f == Activation::kSoftplus ? cuda::Act::kSoftplus
                                   : cuda::Act::kRelu;
}
}  // namespace

template <>
void fill<kG>(Tensor& t, float value) {
  cuda::fill(t.data(), t.numel(), value, ctx(t).stream);
  cuda::check_launch("fill");
}

template <>
void uniform<kG>(Tensor& t, const Generator& gen, std::uint64_t offset, float lo, float hi) {
  cuda::uniform(t.data(), t.numel(), gen.key(), gen.stream(), offset, lo, hi, ctx(t).stream);
  cuda::check_launch("uniform");
}

template <>
void dropout_mask<kG>(Tensor& out, float p, const Generator& gen, std::uint64_t offset) {
  cuda::dropout_mask(out.data(), out.numel(), p, gen.key(), gen.stream(), offset, ctx(out).stream);
  cuda::check_launch("dropout_mask");
}

template <>
void binary<kG>(Binary op, const Tensor& a, const Tensor& b, Tensor& out) {
  auto k = op == Binary::kAdd ? cuda::BinaryOp::kAdd
           : op == Binary::kSub ? cuda::BinaryOp::kSub
                                : cuda::BinaryOp::kMul;
  cuda::binary(k, a.data(), b.data(), out.data(), a.numel(), b.numel(), ctx(a).stream);
  cuda::check_launch("binary");
}

template <>
void scale<kG>(const Tensor& a, float s, Tensor& out) {
  cuda::scale(a.data(), s, out.data(), a.numel(), ctx(a).stream);
  cuda::check_launch("scale");
}

template <>
void axpy<kG>(float alpha, const float* scale, const Tensor& x, Tensor& y) {
  cuda::axpy(alpha, scale, x.data(), y.data(), x.numel(), ctx(x).stream);
  cuda::check_launch("axpy");
}

template <>
void reduce_rows<kG>(const Tensor& g, Tensor& out) {
  std::int64_t cols = out.numel();
  cuda::column_sums(ctx(g), g.data(), g.numel() / cols, cols, out.data());
}

template <>
void activation<kG>(Activation f, const Tensor& x, Tensor& out) {
  cuda::activation(act(f), x.data(), out.data(), x.numel(), ctx(x).stream);
  cuda::check_launch("activation");
}

template <>
void activation_backward<kG>(Activation f, const Tensor& y, const Tensor& dy, Tensor& out) {
  cuda::activation_backward(act(f), y.data(), dy.data(), out.data(), y.numel(), ctx(y).stream);
  cuda::check_launch("activation_backward");
}

template <>
void sum<kG>(const Tensor& x, bool squares, Tensor& out) {
  Tensor partials = Tensor::empty({cuda::kSumBlocks}, x.device());
  cuda::sum(x.data(), x.numel(), squares, partials.data(), out.data(), ctx(x).stream);
  cuda::check_launch("sum");
}

template <>
bool all_finite<kG>(const Tensor& x) {
  Tensor flag = Tensor::zeros({1}, x.device(), DType::kInt32);
  cuda::count_nonfinite(x.data(), x.numel(), flag.data<std::int32_t>(), ctx(x).stream);
  cuda::check_launch("all_finite");
  return flag.to_ids()[0] == 0;
}

template <>
void clip_norm<kG>(Tensor& x, const Tensor& sum_sq, float max_norm, Tensor& norm) {
  cuda::clip_norm(x.data(), x.numel(), sum_sq.data(), max_norm, norm.data(), ctx(x).stream);
  cuda::check_launch("clip_norm");
}

template <>
void copy_blocks<kG>(const Tensor& src, std::int64_t src_stride, std::int64_t src_off, Tensor& dst,
                     std::int64_t dst_stride, std::int64_t dst_off, std::int64_t outer,
                     std::int64_t block) {
  std::size_t es = dtype_size(src.dtype());
  const char* s = static_cast<const char*>(src.raw()) + src_off * es;
  char* d = static_cast<char*>(dst.raw()) + dst_off * es;
  cudaStream_t stream = ctx(dst).stream;
  if (outer == 1) {
    RNNKIT_CUDA_CHECK(cudaMemcpyAsync(d, s, block * es, cudaMemcpyDeviceToDevice, stream));
  } else if (outer > 1 && block > 0) {
    RNNKIT_CUDA_CHECK(cudaMemcpy2DAsync(d, dst_stride * es, s, src_stride * es, block * es,
                                        outer, cudaMemcpyDeviceToDevice, stream));
  }
}

template <>
void gemm<kG>(const Tensor& a, bool ta, const Tensor& b, bool tb, float alpha, float beta,
              Tensor& c) {
  std::int64_t m = c.size(0), n = c.size(1), k = ta ? a.size(0) : a.size(1);
  cuda::sgemm(ctx(c), ta, tb, m, n, k, alpha, a.data(), a.size(1), b.data(), b.size(1), beta,
              c.data(), n);
}

template <>
void optim_update<kG>(const OptimStep& s, Tensor& param, const Tensor& grad, Tensor& state0,
                      Tensor& state1) {
  cuda::OptimArgs a{};
  a.kind = static_cast<cuda::OptimKind>(s.kind);
  a.lr = s.lr;
  a.b1 = s.momentum_or_beta1;
  a.b2 = s.beta2_or_alpha;
  a.eps = s.eps;
  a.wd = s.weight_decay;
  a.decoupled = s.decoupled;
  float* s0 = state0.defined() && !(s.kind == OptimStep::kSGD && s.momentum_or_beta1 == 0.0f)
                  ? state0.data()
                  : nullptr;
  float* s1 = state1.defined() ? state1.data() : nullptr;
  if (s.kind == OptimStep::kAdam) {
    float c1 = 1.0f - std::pow(s.momentum_or_beta1, static_cast<float>(s.step));
    float c2 = 1.0f - std::pow(s.beta2_or_alpha, static_cast<float>(s.step));
    a.step_size = s.lr / c1;
    a.root_c2 = std::sqrt(c2);
  }
  cuda::optim_update(a, param.data(), grad.data(), s0, s1, param.numel(), ctx(param).stream);
  cuda::check_launch("optim_update");
}

}  // namespace rnnkit::ops::kernels
