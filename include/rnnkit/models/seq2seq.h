// The encoder-decoder of the book's chapters 7-8 (Sutskever et al. 2014;
// Cho et al. 2014; Luong et al. 2015): an embedding and recurrent stack on
// each side, optionally "peeky" (the encoder's summary fed to every decoder
// step and to the output layer) and with attention over the encoder states
// (dot, general or additive scores; the context joins the decoder output
// before the output layer, and with input feeding also the next step's
// input); optionally a bidirectional encoder and residual connections
// between stacked layers. Padded batches are exact: the encoder runs with lengths, the
// attention masks padding, and the loss ignores padded targets. Each side is an
// nn::SequenceEncoder (`encoder.embedding.weight`, `encoder.rnn.*`,
// `encoder.backward_rnn.*`; `decoder.embedding.weight`, `decoder.rnn.*`), so
// the encoder of a sequence autoencoder initialises other families' encoders.
#pragma once

#include <string>

#include "rnnkit/nn/layers.h"
#include "rnnkit/nn/sequence_encoder.h"

namespace rnnkit::models {

struct Seq2SeqConfig {
  std::string cell = "lstm";  // lstm | gru | rnn
  std::int64_t source_vocab = 0, target_vocab = 0;
  std::int64_t emb_size = 16;
  std::int64_t hidden_size = 128;
  std::int64_t num_layers = 1;
  bool peeky = false;
  bool residual = false;  // residual connections between stacked layers (Wu et al. 2016)
  bool bidirectional = false;  // encoder: hidden/2 units each way, states concatenated
  std::string attention = "none";  // none | dot | general | additive
  bool input_feed = false;  // the previous step's context joins the decoder input (Luong et al.)
  float dropout = 0.0f;
  float init_range = 0.0f;  // 0: torch.nn's default initialisation (see init_parameters)
  // Data-side settings kept with the model so that translation repeats them.
  bool reverse_source = false;
  bool reverse_target = false;  // the decoder emits the target backwards (outputs are turned back)
  std::string unit = "char";  // word | char | subword | mecab (text/segmenter.h)

  std::string to_json() const;
  static Seq2SeqConfig from_json(const std::string& json);  // throws FormatError
  void validate() const;
  std::int64_t min_parameters() const;  // as LanguageModelConfig's
};

class Seq2Seq : public nn::Module {
 public:
  explicit Seq2Seq(const Seq2SeqConfig& config);
  const Seq2SeqConfig& config() const { return config_; }
  // init_range 0: every module's own default (reset_parameters); else uniform.
  void init_parameters(std::uint64_t seed);
  void reset_parameters(Generator& gen) override;

  struct Encoded {
    Var states;              // [Ts, B, H]: the last layer's outputs (zero on padding)
    Tensor length;           // int32 [B]
    nn::RecurrentState final;  // every layer's state after each sequence's last unit
    Var summary;             // [B, H]: the last layer's final h (peeky)
  };
  // source: int32 [Ts, B] (already reversed if the config says so); length int32 [B].
  Encoded encode(const Tensor& source, const Tensor& length, Generator& gen) const;

  // What the decoder carries from step to step.
  struct DecoderState {
    nn::RecurrentState rnn;
    Var feed;  // [B, H]: the last context (input feeding only)
    DecoderState select(const std::vector<std::int64_t>& rows) const;  // rows reordered/repeated
  };
  // The decoder's state before the first step: the encoder's final states.
  DecoderState start(const Encoded& e) const;

  struct Decoded {
    Var logits;          // [Tt * B, target_vocab]
    DecoderState state;  // after the last step
    Tensor attention;    // [B, Tt, Ts] (attention models only)
  };
  // Teacher-forced over target_in [Tt, B] from `state` (start(e) to begin);
  // with Tt = 1 and the state carried, one step of generation.
  Decoded decode(const Encoded& e, const Tensor& target_in, const DecoderState& state, Generator& gen) const;

 private:
  Var repeat_summary(const Var& summary, std::int64_t steps) const;
  // Attention of decoder outputs y [T, B, H] over the encoder states; `keys`
  // are the projected states (additive attention).
  fn::AttentionResult attend(const Var& y, const Encoded& e, const Var& keys) const;

  Seq2SeqConfig config_;
  nn::SequenceEncoder encoder_, decoder_;
  nn::Linear attention_, attention_key_, out_;
  Var attention_v_;  // additive: the score vector
};

}  // namespace rnnkit::models
