// learning_curve.svg: the training loss and each epoch's evaluation, by epoch.
#pragma once

#include <string>
#include <vector>

#include "rnnkit/train/training_state.h"

namespace rnnkit::train {

// `loss_display` "ppl": one chart of perplexities (log scale); otherwise the
// training loss above the evaluation figures (accuracies in %).
std::string learning_curve_svg(const std::vector<EpochRecord>& history,
                               const std::string& loss_display);

}  // namespace rnnkit::train
