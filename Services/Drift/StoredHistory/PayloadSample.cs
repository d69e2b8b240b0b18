using ConnectorHealth.Contracts;

namespace ConnectorHealth.Drift.StoredHistory;

/// <summary>The payload of the run that first showed a schema version, as JSON text cut to a size (<see cref="Cut"/>).</summary>
public sealed record PayloadSample(Guid RunId, string Json, bool Cut)
{
    /// <summary>The run's payload as sent, cut at <paramref name="maxChars"/> (never inside a surrogate pair); null without one.</summary>
    public static PayloadSample? Of(RunCompleted run, int maxChars)
    {
        if (maxChars <= 0 || run.Payload is not { } payload)
        {
            return null;
        }
        var json = payload.GetRawText();
        if (json.Length <= maxChars)
        {
            return new PayloadSample(run.RunId, json, run.PayloadTruncated);
        }
        var end = char.IsHighSurrogate(json[maxChars - 1]) ? maxChars - 1 : maxChars;
        return new PayloadSample(run.RunId, json[..end], true);
    }
}
