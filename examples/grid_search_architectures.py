"""GridSearchCV over emulator architectures with the relative-error scorer.

Run: python examples/grid_search_architectures.py [--n-samples 40]
"""

import argparse

from sklearn.model_selection import GridSearchCV, KFold

from sklearn_jam import JamEmulatorRegressor, JamSimulator
from sklearn_jam.metrics import get_jam_scorer

parser = argparse.ArgumentParser(
    description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
)
parser.add_argument("--n-samples", type=int, default=40, help="galaxies simulated for the search")
parser.add_argument("--max-epochs", type=int, default=10, help="epochs per candidate network")
args = parser.parse_args()

data = JamSimulator(n_jobs=2, random_state=1).make_dataset(args.n_samples)
search = GridSearchCV(
    JamEmulatorRegressor(max_epochs=args.max_epochs, random_state=0),
    param_grid={
        "hidden_layer_sizes": [(64, 64), (128, 128, 128)],
        "activation": ["silu", "leaky_relu"],
    },
    scoring=get_jam_scorer("neg_median_abs_relative_error"),
    cv=KFold(3, shuffle=True, random_state=0),
)
search.fit(data.X, data.y)
for params, score in zip(
    search.cv_results_["params"], search.cv_results_["mean_test_score"], strict=True
):
    print(f"{params}: median |E| = {-score:.4f}")
print("best:", search.best_params_)
