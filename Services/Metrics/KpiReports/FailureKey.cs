namespace ConnectorHealth.Metrics.KpiReports;

// A connector and one of its error types; hashed once, as a report over a year sums ~500,000 day counts.
public sealed record FailureKey(string Connector, string ErrorType)
{
    private readonly int _hash = HashCode.Combine(Connector, ErrorType);

    public bool Equals(FailureKey? other) =>
        ReferenceEquals(this, other)
        || (other is not null && _hash == other._hash && Connector == other.Connector && ErrorType == other.ErrorType);

    public override int GetHashCode() => _hash;
}
