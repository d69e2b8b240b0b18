-- Attempt outcomes take the one spelling every service uses (EnumNames: snake_case): 'rate_limited' and 'timed_out',
-- as reports send them, where earlier versions stored 'ratelimited' and 'timedout'.
UPDATE metrics.attempts SET outcome = 'rate_limited' WHERE outcome = 'ratelimited';
UPDATE metrics.attempts SET outcome = 'timed_out' WHERE outcome = 'timedout';
