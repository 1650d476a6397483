"""Serving Concord as several app processes behind HAProxy (`make run WORKERS=N`).

`python -m serving --workers N --port P` starts N `streamlit run serve.py` workers on
127.0.0.1 and Debian's HAProxy on P in front of them (config.py renders its
configuration from haproxy.cfg.template), then supervises them all (supervise.py):
a worker or HAProxy that exits is started again; Ctrl-C or SIGTERM stops everything.
With one worker `make run` starts Streamlit directly, as before, with no proxy."""
