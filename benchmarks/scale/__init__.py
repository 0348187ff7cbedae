"""The parts of `benchmarks/study_scale.py`: design (the synthetic set), measure, project, report."""
