using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Payloads;
using ConnectorHealth.Runner.Reports;

namespace ConnectorHealth.Runner.Lineage;

/// <summary>What the door found in one event: the event, or each problem by its JSON path.</summary>
public sealed record LineageEventReading(LineageEvent? Event, IReadOnlyDictionary<string, string[]> Errors, bool TooLarge)
{
    public bool IsValid => Event is not null;
}

/// <summary>
/// The door of <c>POST /api/v1/lineage</c>: checks one OpenLineage <c>RunEvent</c> against the spec's required fields
/// and types (<c>eventTime</c>, <c>producer</c>, <c>schemaURL</c>, <c>run.runId</c> a UUID, <c>job.namespace</c>,
/// <c>job.name</c>; every facet an object with <c>_producer</c> and <c>_schemaURL</c>), against the size limits of a kept
/// event, and against the one definition of a run for everything the run will be made of. It reads the facets this
/// system judges by; every other facet is kept as sent.
/// </summary>
public static partial class LineageEventReader
{
    private const string DateTimeHint = "an ISO-8601 date-time with an offset, e.g. 2026-12-07T10:15:30.123Z";

    public static LineageEventReading Read(JsonElement element, DateTimeOffset now, LineageOptions options, ReportLimits limits)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string field, string message) => errors.TryAdd(field, [message]);

        if (element.ValueKind != JsonValueKind.Object)
        {
            Add("$", $"An event is a JSON object (a RunEvent), not {Kind(element)}.");
            return new LineageEventReading(null, errors, false);
        }
        var inspection = PayloadInspector.Inspect(element, options.Event, "$");
        foreach (var finding in inspection.Findings)
        {
            // Paths as the other checks name them: "run.facets.x", and "$" for the whole event.
            Add(finding.Path.StartsWith("$.", StringComparison.Ordinal) ? finding.Path[2..] : finding.Path,
                finding.Message.Replace("The payload is", "The event is", StringComparison.Ordinal));
        }
        if (errors.Count > 0)
        {
            return new LineageEventReading(null, errors, inspection.Findings.Any(f => f.Limit == PayloadLimit.Bytes));
        }

        var eventTime = RequiredTime(element, "eventTime", Add);
        if (eventTime is { } at)
        {
            if (at < now - limits.MaxRunAge)
            {
                Add("eventTime", $"eventTime is more than {limits.MaxRunAge.TotalDays:0.##} days ago: runs that old are past the retention of run history.");
            }
            else if (at > now + limits.ClockSkew)
            {
                Add("eventTime", $"eventTime is in the future (more than {limits.ClockSkew.TotalMinutes:0.##} minutes ahead of the server's clock).");
            }
        }
        var producer = RequiredText(element, "producer", "producer", LineageDefinition.MaxNameLength, Add);
        RequiredText(element, "schemaURL", "schemaURL", LineageDefinition.MaxNameLength, Add);

        var schemaUrl = element.TryGetProperty("schemaURL", out var url) && url.ValueKind == JsonValueKind.String ? url.GetString()! : "";
        // The spec tells its three events apart by the definition their schemaURL names.
        if (schemaUrl.EndsWith("/DatasetEvent", StringComparison.Ordinal) || schemaUrl.EndsWith("/JobEvent", StringComparison.Ordinal))
        {
            return StaticEvent(element, schemaUrl.EndsWith("/DatasetEvent", StringComparison.Ordinal) ? LineageEventKind.Dataset : LineageEventKind.Job,
                eventTime, producer, options, errors, Add);
        }

        var type = LineageEventType.Other;
        if (element.TryGetProperty("eventType", out var typeElement) && typeElement.ValueKind != JsonValueKind.Null)
        {
            if (typeElement.ValueKind != JsonValueKind.String || !TryEventType(typeElement.GetString()!, out type))
            {
                Add("eventType", $"eventType must be one of START, RUNNING, COMPLETE, ABORT, FAIL, OTHER (got {Shown(typeElement)}).");
            }
        }

        Guid runId = Guid.Empty;
        JsonElement runFacets = default;
        if (RequiredObject(element, "run", "run", Add) is { } run)
        {
            if (!run.TryGetProperty("runId", out var id) || id.ValueKind == JsonValueKind.Null)
            {
                Add("run.runId", "run.runId is required: the run's UUID (v7 recommended).");
            }
            else if (id.ValueKind != JsonValueKind.String || !Guid.TryParseExact(id.GetString(), "D", out runId) || runId == Guid.Empty)
            {
                Add("run.runId", $"run.runId must be a UUID such as 0190c4a6-4c5f-7d3e-9f1a-2b3c4d5e6f70 (got {Shown(id)}).");
            }
            runFacets = Facets(run, "run.facets", options, Add);
        }
        string? jobNamespace = null, jobName = null;
        JsonElement jobFacets = default;
        if (RequiredObject(element, "job", "job", Add) is { } job)
        {
            jobNamespace = RequiredText(job, "namespace", "job.namespace", LineageDefinition.MaxNameLength, Add);
            jobName = RequiredText(job, "name", "job.name", LineageDefinition.MaxNameLength, Add);
            jobFacets = Facets(job, "job.facets", options, Add);
        }

        var inputs = Datasets(element, "inputs", options, Add);
        var outputs = Datasets(element, "outputs", options, Add);

        var errorMessage = FacetText(runFacets, "errorMessage", "message", "run.facets.errorMessage.message", RunDefinition.MaxErrorMessageLength, Add);
        var parent = Parent(runFacets, Add);
        var nominal = Nominal(runFacets, Add);
        var jobType = JobType(jobFacets, Add);
        var owner = Owner(jobFacets, Add);
        var tryNumber = TryNumber(runFacets, Add);

        if (errors.Count > 0 || eventTime is null || producer is null || jobNamespace is null || jobName is null)
        {
            return new LineageEventReading(null, errors, false);
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(element);
        return new LineageEventReading(new LineageEvent
        {
            RunId = runId,
            Type = type,
            EventTime = RunDefinition.Time(eventTime.Value),
            Producer = producer,
            JobNamespace = jobNamespace,
            JobName = jobName,
            Connector = LineageNames.Connector(jobNamespace, jobName),
            Json = json,
            Hash = SHA256.HashData(json),
            ErrorMessage = errorMessage,
            Parent = parent,
            Nominal = nominal,
            JobType = jobType,
            Owner = owner,
            TryNumber = tryNumber,
            Inputs = inputs,
            Outputs = outputs,
        }, errors, false);
    }

    private static LineageEventReading StaticEvent(
        JsonElement element, LineageEventKind kind, DateTimeOffset? eventTime, string? producer, LineageOptions options,
        Dictionary<string, string[]> errors, Action<string, string> add)
    {
        var property = kind == LineageEventKind.Dataset ? "dataset" : "job";
        string? ns = null, name = null;
        if (RequiredObject(element, property, property, add) is { } subject)
        {
            ns = RequiredText(subject, "namespace", $"{property}.namespace", LineageDefinition.MaxNameLength, add);
            name = RequiredText(subject, "name", $"{property}.name", LineageDefinition.MaxNameLength, add);
            Facets(subject, $"{property}.facets", options, add);
        }
        if (errors.Count > 0 || eventTime is null || producer is null || ns is null || name is null)
        {
            return new LineageEventReading(null, errors, false);
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(element);
        return new LineageEventReading(new LineageEvent
        {
            Kind = kind,
            RunId = Guid.Empty,
            Type = LineageEventType.Other,
            EventTime = RunDefinition.Time(eventTime.Value),
            Producer = producer,
            JobNamespace = ns,
            JobName = name,
            Connector = kind == LineageEventKind.Dataset ? LineageNames.Dataset(ns, name) : LineageNames.Connector(ns, name),
            Json = json,
            Hash = SHA256.HashData(json),
        }, errors, false);
    }

    /// <summary>Whether <paramref name="text"/> is an OpenLineage event type; the spec spells them in upper case.</summary>
    public static bool TryEventType(string text, out LineageEventType type)
    {
        type = text switch
        {
            "START" => LineageEventType.Start,
            "RUNNING" => LineageEventType.Running,
            "COMPLETE" => LineageEventType.Complete,
            "ABORT" => LineageEventType.Abort,
            "FAIL" => LineageEventType.Fail,
            "OTHER" => LineageEventType.Other,
            _ => (LineageEventType)(-1),
        };
        return Enum.IsDefined(type);
    }

    private static IReadOnlyList<DatasetFacts> Datasets(JsonElement element, string property, LineageOptions options, Action<string, string> add)
    {
        if (!element.TryGetProperty(property, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            add(property, $"{property} must be a list of datasets, not {Kind(list)}.");
            return [];
        }
        if (list.GetArrayLength() > LineageDefinition.MaxDatasets)
        {
            add(property, $"At most {LineageDefinition.MaxDatasets} {property} in one event (got {list.GetArrayLength():N0}).");
            return [];
        }
        var datasets = new Dictionary<string, DatasetFacts>(StringComparer.Ordinal);
        var i = 0;
        foreach (var dataset in list.EnumerateArray())
        {
            var at = $"{property}[{i++}]";
            if (dataset.ValueKind != JsonValueKind.Object)
            {
                add(at, $"A dataset is a JSON object with namespace and name, not {Kind(dataset)}.");
                continue;
            }
            var ns = RequiredText(dataset, "namespace", $"{at}.namespace", LineageDefinition.MaxNameLength, add);
            var name = RequiredText(dataset, "name", $"{at}.name", LineageDefinition.MaxNameLength, add);
            var facets = Facets(dataset, $"{at}.facets", options, add);
            var ioFacetsName = property == "inputs" ? "inputFacets" : "outputFacets";
            var ioFacets = Facets(dataset, $"{at}.{ioFacetsName}", options, add);
            if (ns is null || name is null)
            {
                continue;
            }
            var schema = Schema(facets, $"{at}.facets.schema", add);
            long? rows = null, bytes = null;
            if (property == "outputs")
            {
                rows = FacetCount(ioFacets, "outputStatistics", "rowCount", $"{at}.outputFacets.outputStatistics.rowCount", add);
                bytes = FacetCount(ioFacets, "outputStatistics", "size", $"{at}.outputFacets.outputStatistics.size", add);
            }
            // Data-quality metrics are an input facet in the spec; some producers put them among the dataset's facets.
            var metrics = Facet(ioFacets, "dataQualityMetrics").ValueKind == JsonValueKind.Object ? (ioFacets, ioFacetsName) : (facets, "facets");
            rows ??= FacetCount(metrics.Item1, "dataQualityMetrics", "rowCount", $"{at}.{metrics.Item2}.dataQualityMetrics.rowCount", add);
            bytes ??= FacetCount(metrics.Item1, "dataQualityMetrics", "bytes", $"{at}.{metrics.Item2}.dataQualityMetrics.bytes", add);
            var assertions = Assertions(Facet(facets, "dataQualityAssertions").ValueKind == JsonValueKind.Object ? facets : ioFacets,
                $"{at}.facets.dataQualityAssertions", add);
            var key = LineageNames.Dataset(ns, name);
            // The same dataset twice in one list: its facts are merged, later ones winning.
            datasets[key] = datasets.TryGetValue(key, out var earlier)
                ? new DatasetFacts(ns, name, key, schema ?? earlier.Schema, rows ?? earlier.RowCount, bytes ?? earlier.Bytes, assertions ?? earlier.Assertions)
                : new DatasetFacts(ns, name, key, schema, rows, bytes, assertions);
        }
        return [.. datasets.Values];
    }

    private static IReadOnlyList<DatasetField>? Schema(JsonElement facets, string at, Action<string, string> add)
    {
        var schema = Facet(facets, "schema");
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (!schema.TryGetProperty("fields", out var fields) || fields.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        var count = 0;
        var read = Fields(fields, $"{at}.fields", 1);
        return read;

        IReadOnlyList<DatasetField>? Fields(JsonElement list, string path, int depth)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                add(path, $"fields must be a list, not {Kind(list)}.");
                return null;
            }
            if (depth > LineageDefinition.MaxSchemaDepth)
            {
                add(path, $"Schema fields nest at most {LineageDefinition.MaxSchemaDepth} levels deep.");
                return null;
            }
            var result = new List<DatasetField>(list.GetArrayLength());
            var i = 0;
            foreach (var field in list.EnumerateArray())
            {
                var here = $"{path}[{i++}]";
                if (++count > LineageDefinition.MaxSchemaFields)
                {
                    add(at, $"A schema has at most {LineageDefinition.MaxSchemaFields:N0} fields, nested ones included.");
                    return null;
                }
                if (field.ValueKind != JsonValueKind.Object)
                {
                    add(here, $"A field is a JSON object with a name, not {Kind(field)}.");
                    return null;
                }
                var name = RequiredText(field, "name", $"{here}.name", LineageDefinition.MaxFieldTextLength, add);
                var type = OptionalText(field, "type", $"{here}.type", LineageDefinition.MaxFieldTextLength, add);
                IReadOnlyList<DatasetField>? nested = null;
                if (field.TryGetProperty("fields", out var inner) && inner.ValueKind != JsonValueKind.Null)
                {
                    nested = Fields(inner, $"{here}.fields", depth + 1);
                    if (nested is null)
                    {
                        return null;
                    }
                }
                if (name is null)
                {
                    return null;
                }
                result.Add(new DatasetField(name, type, nested));
            }
            return result;
        }
    }

    private static IReadOnlyList<QualityAssertion>? Assertions(JsonElement facets, string at, Action<string, string> add)
    {
        var facet = Facet(facets, "dataQualityAssertions");
        if (facet.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (!facet.TryGetProperty("assertions", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            add($"{at}.assertions", "dataQualityAssertions.assertions is required: a list of {assertion, success, column}.");
            return null;
        }
        if (list.GetArrayLength() > LineageDefinition.MaxAssertions)
        {
            add($"{at}.assertions", $"At most {LineageDefinition.MaxAssertions:N0} assertions (got {list.GetArrayLength():N0}).");
            return null;
        }
        var result = new List<QualityAssertion>();
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var here = $"{at}.assertions[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                add(here, $"An assertion is a JSON object, not {Kind(item)}.");
                continue;
            }
            var assertion = RequiredText(item, "assertion", $"{here}.assertion", LineageDefinition.MaxShortTextLength, add);
            var column = OptionalText(item, "column", $"{here}.column", LineageDefinition.MaxShortTextLength, add);
            if (!item.TryGetProperty("success", out var success) || success.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                add($"{here}.success", "success is required: true or false.");
                continue;
            }
            if (assertion is not null)
            {
                result.Add(new QualityAssertion(assertion, success.GetBoolean(), column is { Length: > 0 } ? column : null));
            }
        }
        return result;
    }

    private static LineageParent? Parent(JsonElement runFacets, Action<string, string> add)
    {
        var parent = Facet(runFacets, "parent");
        if (parent.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        const string at = "run.facets.parent";
        Guid id = Guid.Empty;
        if (RequiredObject(parent, "run", $"{at}.run", add) is { } run)
        {
            // Some producers send "run": {} when they know of no parent run (Spark with no parentRunId set): no parent.
            if (!run.TryGetProperty("runId", out var runId) || runId.ValueKind == JsonValueKind.Null)
            {
                return null;
            }
            if (runId.ValueKind != JsonValueKind.String || !Guid.TryParseExact(runId.GetString(), "D", out id) || id == Guid.Empty)
            {
                add($"{at}.run.runId", $"parent.run.runId must be the parent run's UUID (got {Shown(runId)}).");
            }
        }
        string? ns = null, name = null;
        if (RequiredObject(parent, "job", $"{at}.job", add) is { } job)
        {
            ns = RequiredText(job, "namespace", $"{at}.job.namespace", LineageDefinition.MaxNameLength, add);
            name = RequiredText(job, "name", $"{at}.job.name", LineageDefinition.MaxNameLength, add);
        }
        return id != Guid.Empty && ns is not null && name is not null ? new LineageParent(id, ns, name, LineageNames.Connector(ns, name)) : null;
    }

    private static NominalTimes? Nominal(JsonElement runFacets, Action<string, string> add)
    {
        var facet = Facet(runFacets, "nominalTime");
        if (facet.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var start = RequiredTime(facet, "nominalStartTime", add, "run.facets.nominalTime.nominalStartTime");
        DateTimeOffset? end = null;
        if (facet.TryGetProperty("nominalEndTime", out var endElement) && endElement.ValueKind != JsonValueKind.Null)
        {
            end = RequiredTime(facet, "nominalEndTime", add, "run.facets.nominalTime.nominalEndTime");
            if (end < start)
            {
                add("run.facets.nominalTime.nominalEndTime", "nominalEndTime is before nominalStartTime.");
            }
        }
        return start is { } s ? new NominalTimes(RunDefinition.Time(s), end is { } e ? RunDefinition.Time(e) : null) : null;
    }

    private static JobTypeFacts? JobType(JsonElement jobFacets, Action<string, string> add)
    {
        var facet = Facet(jobFacets, "jobType");
        if (facet.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        const string at = "job.facets.jobType";
        var processing = OptionalText(facet, "processingType", $"{at}.processingType", LineageDefinition.MaxShortTextLength, add);
        return new JobTypeFacts(
            processing?.ToLowerInvariant(),
            OptionalText(facet, "integration", $"{at}.integration", LineageDefinition.MaxShortTextLength, add),
            OptionalText(facet, "jobType", $"{at}.jobType", LineageDefinition.MaxShortTextLength, add));
    }

    private static string? Owner(JsonElement jobFacets, Action<string, string> add)
    {
        var facet = Facet(jobFacets, "ownership");
        if (facet.ValueKind != JsonValueKind.Object || !facet.TryGetProperty("owners", out var owners)
            || owners.ValueKind != JsonValueKind.Array || owners.GetArrayLength() == 0)
        {
            return null;
        }
        var first = owners[0];
        if (first.ValueKind != JsonValueKind.Object)
        {
            add("job.facets.ownership.owners[0]", "An owner is a JSON object with a name.");
            return null;
        }
        var name = RequiredText(first, "name", "job.facets.ownership.owners[0].name", RunDefinition.MaxOwnerLength, add);
        if (name is not null && RunDefinition.OwnerProblem(name, "job.facets.ownership.owners[0].name") is { } problem)
        {
            add("job.facets.ownership.owners[0].name", problem);
            return null;
        }
        return name;
    }

    /// <summary>Airflow's run facet (<c>airflow.taskInstance.try_number</c>): which try of its task this run is.</summary>
    private static int? TryNumber(JsonElement runFacets, Action<string, string> add)
    {
        var airflow = Facet(runFacets, "airflow");
        if (airflow.ValueKind != JsonValueKind.Object || !airflow.TryGetProperty("taskInstance", out var task)
            || task.ValueKind != JsonValueKind.Object || !task.TryGetProperty("try_number", out var tryNumber)
            || tryNumber.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (tryNumber.ValueKind != JsonValueKind.Number || !tryNumber.TryGetInt32(out var number) || number < 0 || number > RunDefinition.MaxAttempts)
        {
            add("run.facets.airflow.taskInstance.try_number", $"try_number must be a whole number from 0 to {RunDefinition.MaxAttempts}.");
            return null;
        }
        // Airflow 2 counts the try under way from 1; before it starts, 0.
        return Math.Max(1, number);
    }

    /// <summary>The facets object of <paramref name="owner"/> (default when absent), each facet checked for the spec's base fields.</summary>
    private static JsonElement Facets(JsonElement owner, string at, LineageOptions options, Action<string, string> add)
    {
        var property = at[(at.LastIndexOf('.') + 1)..];
        if (!owner.TryGetProperty(property, out var facets) || facets.ValueKind == JsonValueKind.Null)
        {
            return default;
        }
        if (facets.ValueKind != JsonValueKind.Object)
        {
            add(at, $"{property} must be an object of facets by name, not {Kind(facets)}.");
            return default;
        }
        var count = 0;
        foreach (var facet in facets.EnumerateObject())
        {
            if (++count > options.MaxFacets)
            {
                add(at, $"At most {options.MaxFacets:N0} facets in one facets object.");
                return default;
            }
            var here = $"{at}.{facet.Name}";
            if (facet.Value.ValueKind != JsonValueKind.Object)
            {
                add(here, $"A facet is a JSON object, not {Kind(facet.Value)}.");
                continue;
            }
            // A dataset facet may be only a deletion marker ({"_deleted": true}); every other facet names its producer and schema.
            if (facet.Value.TryGetProperty("_deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True)
            {
                continue;
            }
            RequiredText(facet.Value, "_producer", $"{here}._producer", LineageDefinition.MaxNameLength, add);
            RequiredText(facet.Value, "_schemaURL", $"{here}._schemaURL", LineageDefinition.MaxNameLength, add);
        }
        return facets;
    }

    private static JsonElement Facet(JsonElement facets, string name) =>
        facets.ValueKind == JsonValueKind.Object && facets.TryGetProperty(name, out var facet) && facet.ValueKind == JsonValueKind.Object
        && !(facet.TryGetProperty("_deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True)
            ? facet
            : default;

    private static string? FacetText(JsonElement facets, string facet, string property, string at, int maxLength, Action<string, string> add)
    {
        var value = Facet(facets, facet);
        return value.ValueKind == JsonValueKind.Object ? RequiredText(value, property, at, maxLength, add) : null;
    }

    private static long? FacetCount(JsonElement facets, string facet, string property, string at, Action<string, string> add)
    {
        var value = Facet(facets, facet);
        if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(property, out var count) || count.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (count.ValueKind != JsonValueKind.Number || !count.TryGetInt64(out var number) || number < 0)
        {
            add(at, $"{property} must be a whole, non-negative number (got {Shown(count)}).");
            return null;
        }
        return number;
    }

    private static JsonElement? RequiredObject(JsonElement owner, string property, string at, Action<string, string> add)
    {
        if (!owner.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            add(at, $"{at} is required.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            add(at, $"{at} must be a JSON object, not {Kind(value)}.");
            return null;
        }
        return value;
    }

    private static string? RequiredText(JsonElement owner, string property, string at, int maxLength, Action<string, string> add)
    {
        if (!owner.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            add(at, $"{at} is required.");
            return null;
        }
        var text = Text(value, at, maxLength, add);
        if (text is { Length: 0 })
        {
            add(at, $"{at} must not be empty.");
            return null;
        }
        return text;
    }

    private static string? OptionalText(JsonElement owner, string property, string at, int maxLength, Action<string, string> add) =>
        owner.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null ? Text(value, at, maxLength, add) : null;

    private static string? Text(JsonElement value, string at, int maxLength, Action<string, string> add)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            add(at, $"{at} must be a string, not {Kind(value)}.");
            return null;
        }
        var text = value.GetString()!;
        if (RunDefinition.TextProblem(text, at, maxLength) is { } problem)
        {
            add(at, problem);
            return null;
        }
        return text;
    }

    private static DateTimeOffset? RequiredTime(JsonElement owner, string property, Action<string, string> add, string? at = null)
    {
        at ??= property;
        if (!owner.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            add(at, $"{at} is required: {DateTimeHint}.");
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || ParseTime(value.GetString()!) is not { } time)
        {
            add(at, $"{at} must be {DateTimeHint} (got {Shown(value)}).");
            return null;
        }
        return time;
    }

    /// <summary>
    /// An ISO-8601 date-time with an offset. Producers send up to nanoseconds (Java) where .NET reads seven digits:
    /// digits past the seventh are dropped (the stores keep microseconds).
    /// </summary>
    public static DateTimeOffset? ParseTime(string text)
    {
        var match = IsoDateTime().Match(text);
        if (!match.Success)
        {
            return null;
        }
        var fraction = match.Groups["fraction"].Value;
        var normalised = match.Groups["main"].Value
            + (fraction.Length > 0 ? "." + fraction[..Math.Min(7, fraction.Length)] : "")
            + (match.Groups["offset"].Value is "Z" or "z" ? "+00:00" : match.Groups["offset"].Value);
        return DateTimeOffset.TryParse(normalised, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
    }

    [GeneratedRegex(@"\A(?<main>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?<fraction>\d{1,15}))?(?<offset>[Zz]|[+-]\d{2}:\d{2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex IsoDateTime();

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Shown(JsonElement value)
    {
        var text = value.ValueKind == JsonValueKind.String ? $"'{value.GetString()}'" : value.GetRawText();
        return text.Length > 80 ? text[..80] + "…" : text;
    }
}
