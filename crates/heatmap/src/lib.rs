//! heatmap (skeleton; being written)
