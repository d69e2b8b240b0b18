namespace ConnectorHealth.Operations.DeadLetters;

/// <summary>
/// A place where failed work waits: a consumer's <c>_error</c> queue, or a service's own store (the runner's parked runs).
/// Every store registered in DI is counted by the pipeline's health checks and listed by <c>/api/system/{service}</c>.
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>e.g. "metrics-run-completed_error", or "parked-runs" for the runner's own store.</summary>
    string Name { get; }

    Task<long> CountAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, CancellationToken cancellationToken);

    /// <summary>ids null = all. Returns how many were re-driven.</summary>
    Task<int> RedriveAsync(IReadOnlyCollection<string>? ids, CancellationToken cancellationToken);
}
