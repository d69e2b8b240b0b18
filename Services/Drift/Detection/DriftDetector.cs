using ConnectorHealth.Contracts;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ConnectorHealth.Drift.Detection;

/// <summary>
/// The drift rules, applied to one batch inside its transaction: each connector's runs are screened (no payload, or held
/// in quarantine for breaking a contract), given a version, and walked in FinishedAt order; a drift event sits on each
/// run whose version differs from the version of the run before it. Runs earlier than the connector's latest recorded run
/// go to <see cref="LateRunPlacer"/>; what is decided is written by <see cref="HistoryWriter"/>.
/// </summary>
internal sealed class DriftDetector(
    ContractRules contracts,
    VersionFieldsCache versionFields,
    IOptions<DriftOptions> options,
    TimeProvider time)
{
    private readonly BatchReader _reader = new(versionFields);
    private readonly ChangeDescriber _describer = new(versionFields);
    private readonly LateRunPlacer _placer = new(new ChangeDescriber(versionFields), time);

    public async Task<ProcessResult> DetectAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<ObservedRun> observed, Guid? replayOf,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var connectors = observed.Select(run => run.Run.Connector).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var snapshot = await _reader.ReadAsync(connection, transaction, connectors, observed, cancellationToken);

        var fresh = observed.Where(run => !snapshot.Existing.Contains((run.Run.RunId, run.Run.Connector))).ToList();
        var writes = new BatchWrites();
        await _reader.ReadCurrentFieldsForCutPayloadsAsync(connection, transaction, snapshot, fresh, cancellationToken);
        foreach (var runsOfConnector in fresh.GroupBy(run => run.Run.Connector, StringComparer.Ordinal))
        {
            var connector = runsOfConnector.Key;
            var state = snapshot.States.GetValueOrDefault(connector) ?? ConnectorState.New(connector);
            snapshot.Contracts.TryGetValue(connector, out var contract);

            var versioned = Screen(runsOfConnector, state, contract, writes);
            versioned.Sort((a, b) => RunOrder.Compare(a.Run.FinishedAt, a.Run.RunId, b.Run.FinishedAt, b.Run.RunId));
            foreach (var run in versioned)
            {
                run.Version = VersionOf(run, state, snapshot, writes);
                writes.Count(connector, run.Version.Value, run.Run.FinishedAt);
                writes.ReleasedVersion = run.Version;
            }

            // Runs that finished before the connector's latest recorded run are put in their place first (they are
            // all earlier than the rest of the batch, which is sorted).
            var inOrder = new List<ObservedRun>(versioned.Count);
            foreach (var run in versioned)
            {
                if (state.IsBeforeLatest(run.Run))
                {
                    await _placer.PlaceLateRunAsync(connection, transaction, writes, state, run, cancellationToken);
                }
                else
                {
                    inOrder.Add(run);
                }
            }

            (DateTimeOffset FinishedAt, bool Oscillating)? lastEvent =
                snapshot.LastEvents.TryGetValue(connector, out var latestEvent) ? latestEvent : null;
            DetectDrift(inOrder, state, contract, lastEvent, writes);
        }

        await _describer.DescribeChangesAsync(connection, transaction, writes, cancellationToken);
        var published = await HistoryWriter.WriteAsync(connection, transaction, writes, replayOf, now, cancellationToken);
        return new ProcessResult(
            Versioned: writes.Runs.Count(row => row.Outcome == RunOutcome.Versioned) + writes.LateRuns,
            WithoutPayload: writes.Runs.Count(row => row.Outcome == RunOutcome.NoPayload),
            Quarantined: writes.Quarantine.Count,
            Duplicates: observed.Count - fresh.Count,
            ToPublish: published.Concat(writes.LatePublished).ToArray())
        {
            Violations = writes.Violations,
            ReleasedVersion = writes.ReleasedVersion,
        };
    }

    // Runs without a payload are recorded as such; runs that break a quarantining contract are held (an event says so);
    // the rest are returned to be versioned, with their violations under an alerting contract.
    private List<ObservedRun> Screen(IEnumerable<ObservedRun> runs, ConnectorState state, ContractRow? contract, BatchWrites writes)
    {
        var versioned = new List<ObservedRun>();
        foreach (var run in runs)
        {
            if (run.Schema is null)
            {
                writes.Runs.Add(RunRow.Of(run, RunOutcome.NoPayload, null));
                continue;
            }
            if (contract is not null)
            {
                run.Violations = contracts.Check(state.Connector, contract.Revision, contract.Schema, run.Run.Payload!.Value);
            }
            if (run.Violations.Count > 0 && contract!.Policy == ContractPolicy.Quarantine)
            {
                writes.Runs.Add(RunRow.Of(run, RunOutcome.Quarantined, null));
                writes.Quarantine.Add(run);
                writes.Events.Add(EventRow.At(run, state.CurrentVersion, null, DriftKind.ContractViolation, oscillating: false,
                    state.Compatibility, DriftAction.Quarantined, notify: true));
                writes.Violations = run.Violations;
                continue;
            }
            versioned.Add(run);
        }
        return versioned;
    }

    private int VersionOf(ObservedRun run, ConnectorState state, BatchSnapshot snapshot, BatchWrites writes)
    {
        var connector = state.Connector;
        var key = (connector, run.Schema!.Fingerprint);
        if (snapshot.Versions.TryGetValue(key, out var known))
        {
            return known;
        }
        // A cut payload (truncated, or an inference limit hit) whose fields all fit the current version is a run of
        // that version with parts missing, not a new schema with fields removed.
        if (run.Schema.Partial && state.CurrentVersion is { } current && FitsWithin(run.Schema.Fields, snapshot.CurrentFields[(connector, current)]))
        {
            return current;
        }
        var next = snapshot.MaxVersions.GetValueOrDefault(connector) + 1;
        snapshot.MaxVersions[connector] = next;
        snapshot.Versions[key] = next;
        // A dataset's version keeps no sample: its observation carries a placeholder row, not data.
        var sample = run.Dataset is null ? PayloadSample.Of(run.Run, options.Value.VersionSampleChars) : null;
        writes.NewVersions.Add(new NewVersion(connector, next, run.Schema, sample));
        writes.CreatedBy.Add(run.Run.RunId);
        return next;
    }

    private static bool FitsWithin(IReadOnlyList<FieldSchema> part, IReadOnlyList<FieldSchema> whole)
    {
        var wholeByPath = whole.ToDictionary(field => field.Path, StringComparer.Ordinal);
        return part.All(field => wholeByPath.TryGetValue(field.Path, out var wider)
            && (field.Types & ~wider.Types) == 0 && (!field.Nullable || wider.Nullable));
    }

    // The runs after the connector's latest recorded run, in order: an event at each change of version (a return to a
    // known version within the oscillation window is oscillating, and only the first flip of an oscillation notifies),
    // and, under an alerting contract, one event per contract revision for runs that break it.
    private void DetectDrift(
        List<ObservedRun> inOrder, ConnectorState state, ContractRow? contract, (DateTimeOffset FinishedAt, bool Oscillating)? lastEvent,
        BatchWrites writes)
    {
        var window = options.Value.OscillationWindow;
        var previous = state.CurrentVersion;
        var lastEventAt = lastEvent?.FinishedAt;
        var lastOscillating = lastEvent?.Oscillating ?? false;
        var currentSince = state.CurrentSince;
        var alertedContract = contract?.AlertedAt is not null;
        foreach (var run in inOrder)
        {
            var version = run.Version!.Value;
            var violating = run.Violations.Count > 0;
            writes.Runs.Add(RunRow.Of(run, RunOutcome.Versioned, version));
            if (run.Dataset is not null)
            {
                writes.Datasets.Add(run);
            }
            if (previous is { } fromVersion && fromVersion != version)
            {
                var kind = writes.CreatedBy.Contains(run.Run.RunId) ? DriftKind.NewVersion : DriftKind.Reverted;
                var oscillating = kind == DriftKind.Reverted && lastEventAt is { } lastAt && run.Run.FinishedAt - lastAt <= window;
                var notify = !oscillating || !lastOscillating || violating;
                writes.Events.Add(EventRow.At(run, fromVersion, version, kind, oscillating, state.Compatibility, DriftAction.Alerted, notify));
                lastEventAt = run.Run.FinishedAt;
                lastOscillating = oscillating;
                currentSince = run.Run.FinishedAt;
                alertedContract |= violating;
            }
            else if (violating && !alertedContract)
            {
                // Under the alert policy a broken contract is reported once per contract revision, not per run.
                writes.Events.Add(EventRow.At(run, version, version, DriftKind.ContractViolation, oscillating: false,
                    state.Compatibility, DriftAction.Alerted, notify: true));
                alertedContract = true;
            }
            if (previous is null)
            {
                currentSince = run.Run.FinishedAt;
            }
            previous = version;
        }
        if (alertedContract && contract is { AlertedAt: null })
        {
            writes.ContractsAlerted.Add(state.Connector);
        }
        if (inOrder.Count > 0)
        {
            var latestRun = inOrder[^1].Run;
            writes.States.Add(state with
            {
                LatestRunId = latestRun.RunId,
                LatestFinishedAt = latestRun.FinishedAt,
                CurrentVersion = previous,
                CurrentSince = currentSince,
            });
        }
    }
}
