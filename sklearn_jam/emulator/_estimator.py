"""``JamEmulatorRegressor``: the CNN + MLP of the paper, wrapped with skorch."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNetRegressor
from skorch.callbacks import EarlyStopping, LRScheduler, PrintLog
from skorch.dataset import ValidSplit
from torch import nn

from .._version import SPEC_VERSION, __version__
from ..exceptions import IncompatibleModelError
from ..jam import check_device
from ..jam._base import refuse_first_bad
from ..photometry import check_images_with_moments, image_moments
from ._network import (
    _ACTIVATIONS,
    _NUMPY_ACTIVATIONS,
    _EpochBar,
    _JamNet,
    _print_table_row,
    _TabularNet,
)
from ._preprocessing import PHYSICAL_FEATURE_NAMES, _Preprocessing, _prior_images
from .features import N_SCALARS, scalar_prior_box

__all__ = ["JamEmulatorRegressor"]

#: The major.minor versions whose model files this version reads: 0.3 moved modules but
#: kept the estimator's state and its networks as 0.2 saved them.
_READABLE_VERSIONS = ("0.2", "0.3")


def _resolve_device(device):
    """The torch device a network runs on: 'auto' is a GPU where torch sees one."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return check_device(device)


class JamEmulatorRegressor(RegressorMixin, _Preprocessing, BaseEstimator):
    """Neural-network emulator of JAM V_rms maps (CNN + MLP, Simon et al.).

    ``X`` holds the features of SPEC section 4: the scalars ``q_m, beta_z,
    inc [deg]`` followed by a square unit-sum image raveled in C order;
    ``y`` holds the ``(n, 200)`` dimensionless V_rms maps. A CNN turns the
    image into ``n_image_features`` numbers, which join the scalars in an MLP
    that outputs the map. Inputs are scaled with statistics learned in
    ``fit``, the image is log-transformed (and, by default, folded onto one
    quadrant, which is exact for these symmetric images), and the network
    learns standardised ``log V_rms`` so that the mean squared error is a
    relative-error objective.

    Parameters
    ----------
    image_side : 'auto', int or None, default='auto'
        Side of the square image in ``X`` (pixels): 'auto' infers it from the
        number of columns (``3 + side**2``), an int requires it. None is the
        tabular mode: every column of ``X`` is a scalar input to the MLP and
        there is no CNN (the fastest emulator when the photometry is
        parametric, e.g. ``X`` = the six galaxy parameters; the image
        parameters below and ``physical_features`` are then unused).
    conv_channels : tuple of int, default=(16, 32, 32)
        Output channels of each convolution.
    conv_kernel_size : int, default=3
        Kernel side of the convolutions.
    conv_stride : int, default=2
        Stride of the convolutions.
    pool_after : tuple of int, default=()
        Indices of the convolutions followed by a 2 x 2 max-pool.
    n_image_features : int, default=64
        Length of the CNN's feature vector (64 in the paper).
    hidden_layer_sizes : tuple of int, default=(256, 256, 256)
        Hidden layers of the MLP.
    activation : {'silu', 'leaky_relu', 'relu', 'gelu', 'tanh', 'elu'}, default='silu'
        Activation function. The paper uses 'leaky_relu' (see :meth:`paper`);
        the smooth SiLU emulates the smooth V_rms maps about twice as
        accurately (median ``|E|`` 0.027% instead of 0.060%, docs/performance.rst).
    negative_slope : float, default=0.01
        Slope of ``leaky_relu`` for negative inputs.
    fold_quadrant : bool, default=True
        Average the four mirrored quadrants of the image before the CNN.
    physical_features : bool, default=True
        Measure the axis ratio ``q_l`` of the image's isophotes
        (:func:`~sklearn_jam.photometry.isophote_axis_ratio`) and give the MLP,
        beside the scalars, ``q_l``, ``cos(inc)`` and the intrinsic axis ratios
        ``sqrt(q**2 - cos(inc)**2) / sin(inc)`` of the light and of the mass.
        Near the edge of the physical domain (an intrinsically thin tracer)
        V_rms depends steeply on these; a network has a hard time building
        them from the raw inputs. The measured ``q_l`` is the last of the
        ``n_image_features`` image features, the CNN gives the others.
    lr : float, default=1e-3
        Initial learning rate of Adam.
    batch_size : int, default=50
        Mini-batch size.
    max_epochs : int, default=600
        Epochs of training; the training set is reshuffled every epoch.
    lr_schedule : {'cosine', 'plateau'}, default='cosine'
        'cosine' anneals the learning rate from ``lr`` to zero over
        ``max_epochs`` (cosine annealing, stepped every epoch); 'plateau' is
        the paper's ReduceLROnPlateau on the monitored loss.
    lr_patience : int, default=20
        Epochs without improvement before ReduceLROnPlateau lowers the rate
        (``lr_schedule='plateau'``).
    lr_factor : float, default=10**(-1/8)
        Factor applied to the learning rate on a plateau
        (``lr_schedule='plateau'``).
    validation_fraction : float or None, default=0.1
        Fraction of the training data held out to monitor the loss; None
        monitors the training loss.
    early_stopping : bool, default=False
        Stop when the monitored loss has not improved for ``n_iter_no_change``
        epochs.
    n_iter_no_change : int, default=50
        Patience of early stopping.
    device : str, default='auto'
        Torch device; 'auto' picks CUDA when available.
    random_state : int or None, default=None
        Seed of the weights, the shuffling and the validation split.
    verbose : int, default=0
        0: silent; 1: one progress bar over the epochs with the latest losses;
        2: skorch's table of epochs (without colour codes unless printed to a
        terminal).

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The fitted network.
    n_features_in_ : int
        Number of columns of ``X``.
    image_side_ : int
        Side of the images in ``X``.
    n_outputs_ : int
        Number of grid points of the maps.
    history_ : list of dict
        skorch's training history.
    device_ : str
        The device used for training.
    image_range_ : ndarray of shape (2, 2)
        Lowest (row 0) and highest (row 1) moment axis ratio and size (pixels) of
        the training images and of Sersic images over the Table 1 prior box (in
        the SPEC field of view); :meth:`predict` warns beyond them.

    Notes
    -----
    Images must follow the contract of
    :func:`~sklearn_jam.photometry.check_images` (finite, non-negative, unit
    sum, centred, major axis along x): images that only need normalising are
    normalised with a warning, others are refused.

    Examples
    --------
    >>> from sklearn_jam import JamEmulatorRegressor
    >>> est = JamEmulatorRegressor(max_epochs=5)  # doctest: +SKIP
    >>> est.fit(X_train, y_train).score(X_test, y_test)  # doctest: +SKIP
    """

    n_scalars = N_SCALARS  # q_m, beta_z, inc (sklearn_jam.features)

    # Checked at the start of fit, before any data is touched (scikit-learn's machinery).
    _parameter_constraints = {
        "image_side": [StrOptions({"auto"}), Interval(Integral, 2, None, closed="left"), None],
        "conv_channels": ["array-like"],
        "conv_kernel_size": [Interval(Integral, 1, None, closed="left")],
        "conv_stride": [Interval(Integral, 1, None, closed="left")],
        "pool_after": ["array-like"],
        "n_image_features": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(_ACTIVATIONS))],
        "negative_slope": [Interval(Real, 0, None, closed="left")],
        "fold_quadrant": ["boolean"],
        "physical_features": ["boolean"],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr_schedule": [StrOptions({"cosine", "plateau"})],
        "lr_patience": [Interval(Integral, 0, None, closed="left")],
        "lr_factor": [Interval(Real, 0, 1, closed="neither")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        image_side="auto",
        conv_channels=(16, 32, 32),
        conv_kernel_size=3,
        conv_stride=2,
        pool_after=(),
        n_image_features=64,
        hidden_layer_sizes=(256, 256, 256),
        activation="silu",
        negative_slope=0.01,
        fold_quadrant=True,
        physical_features=True,
        lr=1e-3,
        batch_size=50,
        max_epochs=600,
        lr_schedule="cosine",
        lr_patience=20,
        lr_factor=10 ** (-1 / 8),
        validation_fraction=0.1,
        early_stopping=False,
        n_iter_no_change=50,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        self.image_side = image_side
        self.conv_channels = conv_channels
        self.conv_kernel_size = conv_kernel_size
        self.conv_stride = conv_stride
        self.pool_after = pool_after
        self.n_image_features = n_image_features
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.negative_slope = negative_slope
        self.fold_quadrant = fold_quadrant
        self.physical_features = physical_features
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr_schedule = lr_schedule
        self.lr_patience = lr_patience
        self.lr_factor = lr_factor
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def paper(cls, **overrides):
        """The exact configuration of the paper (85M-parameter MLP).

        Four 128-channel convolutions (kernel 2, stride 2) with two 2 x 2
        max-pools, a 64-long image feature vector, an MLP 67 -> 6 x 4096 ->
        200 with LeakyReLU(0.01), Adam at 1e-3, ReduceLROnPlateau (patience
        20, factor 10**(-1/8)), batch 50, 800 epochs, on the full image.

        Parameters
        ----------
        **overrides
            Parameters to change, e.g. ``max_epochs`` or ``device``.
        """
        params = dict(
            conv_channels=(128, 128, 128, 128),
            conv_kernel_size=2,
            conv_stride=2,
            pool_after=(1, 3),
            n_image_features=64,
            hidden_layer_sizes=(4096,) * 6,
            activation="leaky_relu",
            negative_slope=0.01,
            fold_quadrant=False,
            physical_features=False,
            lr=1e-3,
            batch_size=50,
            max_epochs=800,
            lr_schedule="plateau",
            lr_patience=20,
            lr_factor=10 ** (-1 / 8),
            validation_fraction=None,
        )
        params.update(overrides)
        return cls(**params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        tags.target_tags.positive_only = True
        tags.non_deterministic = self.device not in ("cpu", "auto")
        return tags

    # -- fitting -----------------------------------------------------------------------

    def _resolve_device(self):
        return _resolve_device(self.device)

    def _build_net(self, n_outputs):
        monitor = "valid_loss" if self.validation_fraction else "train_loss"
        if self.lr_schedule == "cosine":
            scheduler = LRScheduler(policy="CosineAnnealingLR", T_max=self.max_epochs)
        else:  # 'plateau' (_parameter_constraints admit no other)
            scheduler = LRScheduler(
                policy="ReduceLROnPlateau",
                monitor=monitor,
                patience=self.lr_patience,
                factor=self.lr_factor,
            )
        callbacks = [("lr_scheduler", scheduler)]
        if self.verbose == 1:
            callbacks.append(("epoch_bar", _EpochBar()))
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(monitor=monitor, patience=self.n_iter_no_change, load_best=True),
                )
            )
        train_split = None
        if self.validation_fraction:
            train_split = ValidSplit(
                self.validation_fraction, stratified=False, random_state=self.random_state
            )
        common = {
            "hidden_layer_sizes": tuple(self.hidden_layer_sizes),
            "n_outputs": n_outputs,
            "activation": self.activation,
            "negative_slope": self.negative_slope,
        }
        if self.image_side_ is None:
            module, module_kw = _TabularNet, {"n_inputs": self.n_features_in_, **common}
        else:
            module, module_kw = (
                _JamNet,
                {
                    "n_scalars": self.n_scalars
                    + (len(PHYSICAL_FEATURE_NAMES) if self.physical_features else 0),
                    "image_side": self.image_side_ // 2 if self.fold_quadrant else self.image_side_,
                    "conv_channels": tuple(self.conv_channels),
                    "conv_kernel_size": self.conv_kernel_size,
                    "conv_stride": self.conv_stride,
                    "pool_after": tuple(self.pool_after),
                    # With physical features, the measured q_l is the last image feature.
                    "n_image_features": self.n_image_features - bool(self.physical_features),
                    **common,
                },
            )
        return NeuralNetRegressor(
            module=module,
            **{f"module__{k}": v for k, v in module_kw.items()},
            criterion=nn.MSELoss,
            optimizer=torch.optim.Adam,
            lr=self.lr,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            train_split=train_split,
            callbacks=callbacks,
            iterator_train__shuffle=True,
            device=self.device_,
            verbose=int(self.verbose >= 2),
            # skorch calls a custom sink whatever its verbose: set it only for the table.
            **(
                {"callbacks__print_log": PrintLog(sink=_print_table_row)}
                if self.verbose >= 2
                else {}
            ),
        )

    def _check_layer_sizes(self):
        """The tuple parameters hold positive integers (indices, for ``pool_after``)."""
        for name, low in (("conv_channels", 1), ("hidden_layer_sizes", 1), ("pool_after", 0)):
            values = tuple(getattr(self, name))
            if not all(isinstance(v, Integral) and v >= low for v in values):
                raise ValueError(
                    f"{name} must be a tuple of integers >= {low}, got {getattr(self, name)!r}"
                )
        bad = [i for i in self.pool_after if i >= len(self.conv_channels)]
        if bad:
            raise ValueError(
                f"pool_after indexes the convolutions (0 to {len(self.conv_channels) - 1}), "
                f"got {bad}"
            )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the network on features ``X`` and V_rms maps ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 3 + side**2)
            ``q_m, beta_z, inc [deg]`` then the raveled unit-sum image.
        y : array-like of shape (n_samples, n_points) or (n_samples,)
            Positive dimensionless V_rms maps.

        Returns
        -------
        self : JamEmulatorRegressor
        """
        self._check_layer_sizes()
        X, y = validate_data(
            self, X, y, multi_output=True, dtype=np.float64, y_numeric=True, reset=True
        )
        self._single_output = y.ndim == 1
        y = y.reshape(len(y), -1)
        if np.any(y <= 0):
            i, j = np.argwhere(y <= 0)[0]
            raise ValueError(
                f"y must be positive (V_rms is learned in log space); y[{i}, {j}] = {y[i, j]}"
            )
        if len(X) < 2:
            raise ValueError(f"need at least 2 samples to fit, got n_samples={len(X)}")
        self.n_outputs_ = y.shape[1]
        self.device_ = self._resolve_device()
        if self.image_side is None:
            return self._fit_tabular(X, y)
        self.image_side_ = self._image_side(X.shape[1])
        if self.image_side != "auto" and self.image_side_ != self.image_side:
            raise ValueError(
                f"image_side={self.image_side} needs 3 + {self.image_side**2} columns, X has "
                f"{X.shape[1]}"
            )
        X, shapes = self._checked_X(X)
        # As scalar_box_: the training range, widened to the Table 1 prior's Sersic images.
        side = self.image_side_
        prior = image_moments(_prior_images(side).reshape(-1, side, side))
        shapes = np.vstack([shapes, self._shape_stats(prior)])
        self.image_range_ = np.stack([shapes.min(0), shapes.max(0)])

        if self.physical_features and self.n_image_features < 2:
            raise ValueError(
                "n_image_features must be >= 2 with physical_features=True (the CNN gives "
                f"n_image_features - 1 of them), got {self.n_image_features}"
            )
        scalars = X[:, : self.n_scalars]
        images, q_image = self._prepare_images(X[:, self.n_scalars :])
        if self.physical_features:
            phys = self._physical(scalars, q_image)
            self.physical_mean_, self.physical_scale_ = phys.mean(0), self._scale(phys)
        log_y = np.log(y)
        self.scalar_mean_, self.scalar_scale_ = scalars.mean(0), self._scale(scalars)
        # Predictions outside the Table 1 prior box (or the training range, if wider) warn.
        prior_lo, prior_hi = scalar_prior_box()
        self.scalar_box_ = (
            np.minimum(scalars.min(0), prior_lo),
            np.maximum(scalars.max(0), prior_hi),
        )
        self.image_mean_, self.image_scale_ = images.mean(0), self._scale(images)
        self.target_mean_, self.target_scale_ = log_y.mean(0), self._scale(log_y)
        Xt, yt = self._network_input(scalars, images, q_image), self._transform_y(y)

        if self.random_state is not None:
            torch.manual_seed(self.random_state)
        self.net_ = self._build_net(self.n_outputs_)
        self.net_.fit(Xt, yt)
        self.history_ = list(self.net_.history.to_list())
        return self

    def _fit_tabular(self, X, y):
        """``fit`` of the tabular mode: standardised columns into the MLP alone."""
        self.image_side_ = None
        self.scalar_mean_, self.scalar_scale_ = X.mean(0), self._scale(X)
        self.scalar_box_ = (X.min(0), X.max(0))
        log_y = np.log(y)
        self.target_mean_, self.target_scale_ = log_y.mean(0), self._scale(log_y)
        if self.random_state is not None:
            torch.manual_seed(self.random_state)
        self.net_ = self._build_net(self.n_outputs_)
        self.net_.fit(self._transform_X(X), self._transform_y(y))
        self.history_ = list(self.net_.history.to_list())
        return self

    # -- prediction ----------------------------------------------------------------------

    @property
    def module_(self):
        """The fitted torch module, in evaluation mode."""
        check_is_fitted(self, "net_")
        return self.net_.module_.eval()

    def _torch(self, a):
        return torch.as_tensor(a, dtype=torch.float32, device=self.net_.device)

    def predict(self, X, batch_size=4096):
        """Predict V_rms maps.

        Parameters
        ----------
        X : array-like of shape (n_samples, 3 + side**2)
            Features as in :meth:`fit`.
        batch_size : int, default=4096
            Galaxies per forward pass.

        Returns
        -------
        vrms : ndarray of shape (n_samples, n_points)
            Dimensionless V_rms (float64).
        """
        check_is_fitted(self, "net_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if self.image_side_ is None:
            self._warn_outside_prior(X)
        else:
            X, shapes = self._checked_X(X)
            self._refuse_unphysical_scalars(X[:, : self.n_scalars])
            self._warn_outside_prior(X[:, : self.n_scalars])
            self._warn_outside_images(shapes)
        module = self.module_
        out = np.empty((len(X), self.n_outputs_))
        with torch.inference_mode():
            for start in range(0, len(X), batch_size):
                sl = slice(start, start + batch_size)
                out[sl] = self._inverse_y(module(self._torch(self._transform_X(X[sl]))).cpu())
        return out[:, 0] if self._single_output else out

    def _need_images(self, method):
        if self.image_side_ is None:
            raise ValueError(
                f"{method} needs an image; this emulator was fitted in the tabular mode "
                "(image_side=None): call predict with all its columns instead"
            )

    def encode_images(self, images):
        """Run the CNN once per photometry (the MCMC fast path, first half).

        Parameters
        ----------
        images : array-like of shape (n, side, side) or (n, side * side)
            Unit-sum images.

        Returns
        -------
        features : ndarray of shape (n, n_image_features)
            float32 image features for :meth:`predict_from_features`; with
            ``physical_features`` the last column is the measured axis ratio
            ``q_l`` of the image.
        """
        check_is_fitted(self, "net_")
        self._need_images("encode_images")
        images = np.asarray(images, dtype=np.float64)
        if images.ndim == 2 and images.shape[1] == self.image_side_**2:
            pass
        elif images.ndim == 3 and images.shape[1:] == (self.image_side_,) * 2:
            images = images.reshape(len(images), -1)
        elif images.ndim == 2 and images.shape == (self.image_side_,) * 2:
            images = images.reshape(1, -1)
        else:
            raise ValueError(
                f"images must have shape (n, {self.image_side_}, {self.image_side_}) or "
                f"(n, {self.image_side_**2}), got {images.shape}"
            )
        side = self.image_side_
        checked, moments = check_images_with_moments(images.reshape(len(images), side, side))
        images = checked.reshape(len(images), -1)
        self._warn_outside_images(self._shape_stats(moments))
        log_img, q_image = self._prepare_images(images)
        z = (log_img - self.image_mean_) / self.image_scale_
        with torch.inference_mode():
            features = self.module_.encode(self._torch(z)).cpu().numpy()
        if self.physical_features:
            features = np.hstack([features, q_image[:, None].astype(np.float32)])
        return features

    @staticmethod
    def _refuse_unphysical_scalars(scalars):
        """Refuse scalars no galaxy can have (the emulator would return NaN or inf there)."""
        if not np.isfinite(scalars).all():
            i = int(np.flatnonzero(~np.isfinite(scalars).all(axis=1))[0])
            raise ValueError(f"scalars must be finite: row {i} is {scalars[i].tolist()}")
        q_m, beta_z, inc = scalars.T  # rows named by their index: q_m[i]
        refuse_first_bad(
            (
                ("q_m", q_m, (q_m > 0) & (q_m <= 1), "in (0, 1]"),
                ("beta_z", beta_z, beta_z < 1, "< 1"),
                ("inc", inc, (inc > 0) & (inc <= 90), "in (0, 90] degrees"),
            )
        )

    def predict_from_features(self, features, scalars):
        """Run only the MLP (the MCMC fast path, second half).

        Parameters
        ----------
        features : array-like of shape (n, n_image_features) or (n_image_features,)
            From :meth:`encode_images`; one row is broadcast to all scalars.
        scalars : array-like of shape (n, 3) or (3,)
            ``q_m, beta_z, inc [deg]``.

        Returns
        -------
        vrms : ndarray of shape (n, n_points)
            Equal to :meth:`predict` to float32 precision.
        """
        # Fast path: no sklearn validation, no DataLoader; only checks that cost microseconds.
        net = self.__dict__.get("net_")
        if net is None:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet; call 'fit' first"
            )
        if self.image_side_ is None:
            self._need_images("predict_from_features")
        scalars = np.atleast_2d(np.asarray(scalars, dtype=np.float64))
        features = np.atleast_2d(np.asarray(features, dtype=np.float32))
        if scalars.shape[1] != self.n_scalars or features.shape[1] != self.n_image_features:
            raise ValueError(
                f"scalars must have {self.n_scalars} columns and features "
                f"{self.n_image_features}; got {scalars.shape} and {features.shape}"
            )
        if len(features) not in (1, len(scalars)):
            raise ValueError(
                f"features has {len(features)} rows and scalars {len(scalars)}: give one row of "
                "features (broadcast to every row of scalars) or one per row"
            )
        if not np.isfinite(features).all():
            i = int(np.flatnonzero(~np.isfinite(features).all(axis=1))[0])
            raise ValueError(f"features must be finite: row {i} is {features[i].tolist()}")
        lo, hi = self.scalar_box_
        if not ((scalars >= lo) & (scalars <= hi)).all():  # one test for the usual case
            self._refuse_unphysical_scalars(scalars)
            self._warn_outside_prior(scalars)
        if len(features) == 1 and len(scalars) > 1:
            features = np.broadcast_to(features, (len(scalars), features.shape[1]))
        q_image = features[:, -1].astype(np.float64) if self.physical_features else None
        z = self._scaled_scalars(scalars, q_image)
        if self.physical_features:
            features = features[:, :-1]
        if str(net.device) == "cpu":
            # For the small batches of an MCMC step, torch's per-call overhead dominates;
            # the same float32 arithmetic in NumPy is several times faster.
            out = self._numpy_head(np.hstack([z, features]))
        else:
            with torch.inference_mode():
                out = net.module_.head(self._torch(z), self._torch(features)).cpu().numpy()
        return np.exp(out * self.target_scale_ + self.target_mean_)

    def _numpy_head(self, h):
        cache = self.__dict__.get("_head_cache")
        module = self.net_.module_
        # The copy is keyed on the module and its tensors' in-place versions, so further
        # training (e.g. net_.partial_fit) invalidates it.
        if (
            cache is None
            or cache["module"] is not module
            or cache["versions"] != [p._version for p in cache["params"]]
        ):
            layers = []
            for layer in module.mlp:
                if isinstance(layer, nn.Linear):
                    w = layer.weight.detach().cpu().numpy().T.copy()
                    layers.append((w, layer.bias.detach().cpu().numpy().copy()))
                else:
                    layers.append(None)
            params = list(module.mlp.parameters())
            cache = {
                "module": module,
                "params": params,
                "layers": layers,
                "versions": [p._version for p in params],
            }
            self._head_cache = cache
        act = _NUMPY_ACTIVATIONS[self.activation]
        slope = self.negative_slope
        for layer in cache["layers"]:
            h = act(h, slope) if layer is None else h @ layer[0] + layer[1]
        return h

    # -- persistence -------------------------------------------------------------------

    def __getstate__(self):
        net = self.__dict__.get("net_")
        for _, callback in getattr(net, "callbacks_", None) or []:
            if isinstance(callback, LRScheduler):
                # The scheduler holds the optimizer, whose CUDA tensors would then be pickled
                # outside skorch's CUDA-to-CPU handling (skorch issue #1096), and a model
                # trained on a GPU could not be loaded without one. skorch rebuilds it at the
                # start of any further training.
                callback.lr_scheduler_ = None
        state = super().__getstate__()
        state.pop("_head_cache", None)  # rebuilt from net_ on first use
        state["_sklearn_jam_version"] = __version__
        state["_sklearn_jam_spec_version"] = SPEC_VERSION
        return state

    def __setstate__(self, state):
        saved = state.pop("_sklearn_jam_version", None)
        spec = state.pop("_sklearn_jam_spec_version", "1")  # files before spec v2 had no key
        if spec != SPEC_VERSION:
            raise IncompatibleModelError(
                f"this model was trained with spec v{spec} conventions (sklearn_jam "
                f"{saved or '(unknown version)'}) and this sklearn_jam follows spec "
                f"v{SPEC_VERSION}: the v1 truth was jampy's interp=False path, 0.15% (median) "
                "and up to 1.8% from exact JAM; retrain the model on spec-v2 data"
            )
        if saved is None or ".".join(saved.split(".")[:2]) not in _READABLE_VERSIONS:
            raise IncompatibleModelError(
                f"this model was saved by sklearn_jam {saved or '(unknown version)'}, which is "
                f"incompatible with the installed sklearn_jam {__version__} (it reads models of "
                f"{', '.join(_READABLE_VERSIONS)}); retrain it or install the matching version"
            )
        state.setdefault("image_side", "auto")  # models saved before the tabular mode
        super().__setstate__(state)
        if "net_" in state:
            self.device_ = str(self.net_.device)
