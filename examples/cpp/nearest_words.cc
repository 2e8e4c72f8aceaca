// The nearest neighbours of words by cosine similarity, from word vectors
// written by `rnnkit embed train` (or any word2vec text or binary file).
//   nearest_words VECTORS [K] < words.txt
#include <rnnkit/eval/word_vectors.h>
#include <rnnkit/io/vectors_file.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::cerr << "usage: nearest_words VECTORS [K] < words.txt\n";
    return 2;
  }
  try {
    const rnnkit::eval::VectorIndex index(rnnkit::io::load_vectors(argv[1]));
    const std::int64_t k = argc == 3 ? std::stoll(argv[2]) : 10;
    for (std::string word; std::getline(std::cin, word);) {
      std::cout << word << ':';
      for (const auto& [neighbour, similarity] : index.most_similar({word}, {}, k))
        std::cout << ' ' << neighbour << ' ' << similarity;
      std::cout << '\n';
    }
  } catch (const rnnkit::Error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}
