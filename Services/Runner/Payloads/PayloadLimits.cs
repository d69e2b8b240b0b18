using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Payloads;

/// <summary>
/// What one run's payload may hold on its way through the pipeline (configuration section <c>Runner:Payload</c>).
/// A reported run over a limit is refused; a payload a scheduled connector fetched is cut to fit and flagged.
/// </summary>
public sealed class PayloadLimits
{
    /// <summary>Bytes of the payload as compact UTF-8 JSON.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Levels of nested objects and arrays. The message envelope and the consumers' JSON readers add levels of their
    /// own and stop at 64, so this stays well below that.
    /// </summary>
    [Range(1, 48)]
    public int MaxDepth { get; set; } = 32;

    /// <summary>Object keys in the whole payload, at every level.</summary>
    [Range(1, 1_000_000)]
    public int MaxKeys { get; set; } = 10_000;

    /// <summary>Characters in one string value or key.</summary>
    [Range(16, 16 * 1024 * 1024)]
    public int MaxStringLength { get; set; } = 32_768;
}
