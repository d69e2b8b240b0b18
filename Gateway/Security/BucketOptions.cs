using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Gateway.Security;

public sealed class BucketOptions
{
    /// <summary>Requests allowed at once after a quiet spell.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; }

    /// <summary>Requests allowed per second, sustained.</summary>
    [Range(1, 1_000_000)]
    public int PerSecond { get; set; }
}
