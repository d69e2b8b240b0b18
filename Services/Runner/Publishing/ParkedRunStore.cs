using ConnectorHealth.Operations.DeadLetters;


namespace ConnectorHealth.Runner.Publishing;

/// <summary>The runner's parked runs as a dead-letter store: listed and re-driven through <c>/api/system/runner</c>.</summary>
public sealed class ParkedRunStore(PendingRunStore store, RunBuffer buffer) : IDeadLetterStore
{
    public string Name => "parked-runs";

    public Task<long> CountAsync(CancellationToken cancellationToken) => store.CountParkedAsync(cancellationToken);

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, CancellationToken cancellationToken)
    {
        var parked = await store.ListParkedAsync(limit, cancellationToken);
        return parked.Select(p => new DeadLetter(
            p.RunId.ToString(), Name, p.Reason, p.ExceptionType, p.ParkedAt, p.RunId, p.Connector, "RunCompleted")).ToList();
    }

    /// <summary>Moves the runs back to pending and hands them to the buffer; one the buffer has no room for is swept up later.</summary>
    public async Task<int> RedriveAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken)
    {
        Guid[]? runIds = null;
        if (ids is not null)
        {
            runIds = ids.Select(id => Guid.TryParse(id, out var runId) ? runId : Guid.Empty).Where(id => id != Guid.Empty).ToArray();
            if (runIds.Length == 0)
            {
                return 0;
            }
        }
        var runs = await store.UnparkAsync(runIds, cancellationToken);
        foreach (var run in runs)
        {
            buffer.TryEnqueueStored(run);
        }
        return runs.Count;
    }
}
