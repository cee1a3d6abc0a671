"""Experiments: a study over seeds (and a sweep's grid of settings), run by a local
process pool or SLURM, aggregated into means with 95 % CIs and tested comparisons.

    plan          ExperimentSpec → trials (each a resolved study file and seed)
    orchestrate   validate, write the experiment folder, hand trials to an executor
    executors     local process pool (threads divided); slurm (submitit job array)
    run_metrics   every number of a run folder, addressed as SOURCE:PATH per model
    stats         mean, std, 95 % CI; paired t-test
    verdicts      the study's `comparisons:` tested — the words come from the numbers
    aggregate     results.csv, PCA floor; experiment_page, sweep_figures: the report
    compare       `genlab compare`: runs or experiments side by side
"""
