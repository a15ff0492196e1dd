"""What a training run writes once trained, in memory or on Dask (``TrainRun``): the metrics
on stdout, the model file, the plots and the HTML report."""

from deltaprop.commands.common import TrainRun, training_loss_text
from deltaprop.commands.metrics import (
    format_metrics,
    metric_table,
    metrics_json,
    regression_metrics,
)
from deltaprop.errors import DataError
from deltaprop.plots import png_bytes, run_figures, write_plots


def conclude(args, model, run: TrainRun):
    """Print the metrics of ``run.y_pred`` against ``run.y_true``, write the model file, the
    plots and the report; return the exit status of ``train``."""
    scores = regression_metrics(run.y_true, run.y_pred, model.loss)
    print(f"{_scored_label(run)}:")
    print(format_metrics(scores, run.target_names))
    _save(args, model, run, scores)
    if args.plots or args.report:
        _plots(args, model, run, scores)
    return 130 if model.interrupted_ else 0


def _scored_label(run):
    """What the metrics are computed on, in words."""
    n_rows = len(run.y_true)
    if not run.held_out:
        return f"training rows ({n_rows} rows; --test-size 0: not a test on new data)"
    return f"held-out test split ({n_rows} rows)"


def _save(args, model, run, scores):
    from deltaprop.io import save_model

    extra = {
        "data": run.source,
        "split": {
            "seed": args.seed,
            "test_size": args.test_size,
            "n_train": run.n_train,
            "n_test": run.n_test,
        },
        f"{'test' if run.held_out else 'training'}_metrics": metrics_json(scores, run.target_names),
        "interrupted": model.interrupted_,
    }
    save_model(
        args.out,
        model,
        feature_names=list(run.feature_names),
        target_names=list(run.target_names),
        extra=extra,
    )
    print(f"model written to {args.out}")


def _plots(args, model, run, scores):
    """The plots of the run into ``--plots`` and, with them, the ``--report`` page."""
    split = "test split" if run.held_out else "training rows"
    figures = run_figures(model, run.y_true, run.y_pred, run.target_names, scores["r2"], split)
    if args.plots:
        _write_plots(args, figures)
    if args.report:
        captions = {
            "loss.png": "Loss per epoch",
            "pred_vs_true.png": f"Predicted against true values, {split}",
            "residuals.png": f"Residuals against predicted values, {split}",
        }
        pngs = {captions[name]: png_bytes(fig) for name, fig in figures.items()}
        _report(args, model, run, scores, pngs)


def _report(args, model, run, scores, pngs):
    from deltaprop.report import report_html, write_report

    header, rows = metric_table(scores, run.target_names)
    page = report_html(
        f"deltaprop train: {run.source}",
        _run_settings(args, model, run),
        _scored_label(run),
        header,
        rows,
        pngs,
    )
    write_report(args.report, page)
    print(f"report written to {args.report}")


def _run_settings(args, model, run):
    """``[(name, value)]``: what a reader of the report needs to rerun and judge the run."""
    return [
        ("data", f"{run.source}: {run.n_train + run.n_test} rows"),
        ("features", ", ".join(run.feature_names)),
        ("targets", ", ".join(run.target_names)),
        ("network", f"{run.architecture(args.hidden)}, {args.activation} hidden layers"),
        ("solver", f"{args.solver}, η = {args.lr}, batch size {args.batch_size or 'auto'}"),
        ("loss", f"{args.loss}, α = {args.alpha}"),
        ("epochs", f"{model.n_iter_} run of at most {args.epochs}"),
        ("early stopping", "on" if args.early_stopping else "off"),
        ("test size", f"{args.test_size} (seed {args.seed})"),
        ("final loss", training_loss_text(args, model)),
        ("model file", str(args.out)),
    ]


def _write_plots(args, figures):
    """Write the plots; if that fails, say so in one line naming the files that were written."""
    written = []
    try:
        write_plots(args.plots, figures, written)
    except DataError as err:
        raise DataError(
            f"{err}; the model was written to {args.out}, "
            + (f"and the plot {written[0]}" if written else "but no plot")
        ) from None
    print(f"plots written to {', '.join(str(path) for path in written)}")
