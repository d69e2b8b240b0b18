namespace ConnectorHealth.Runner.Connectors;

/// <summary>
/// A connector as <c>runner.connectors</c> holds it, its secret read back. <see cref="Problem"/> says why it cannot run
/// (its secret cannot be read: the key ring it was protected with is gone); such a connector is listed, not scheduled.
/// </summary>
public sealed record StoredConnector(
    string Name, ConnectorOptions Options, string Origin, long Revision, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? Problem = null);
