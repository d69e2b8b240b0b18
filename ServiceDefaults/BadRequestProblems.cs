using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Answers a request the endpoint could not read (minimal APIs throw <see cref="BadHttpRequestException"/> for it, see
/// <c>RouteHandlerOptions.ThrowOnBadRequest</c>) with problem details; a body the JSON reader rejected becomes a
/// validation problem that names the field by its JSON path, so a client can tell which of its values to fix.
/// </summary>
internal sealed partial class BadRequestProblems(IOptions<JsonOptions> json) : IExceptionHandler
{
    /// <summary>The key that names the body as a whole (an empty body, an array where an object belongs).</summary>
    public const string BodyField = "body";

    private const int MaxMessageLength = 300;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var problem = bad switch
        {
            { InnerException: JsonException invalid } => Invalid(FieldError(invalid, httpContext)),
            { StatusCode: StatusCodes.Status400BadRequest } when BodyIsMissing(httpContext) =>
                Invalid((BodyField, "A JSON request body is required.")),
            { StatusCode: StatusCodes.Status400BadRequest } when ParameterNamed(bad.Message) is { } parameter =>
                Invalid((parameter, Shorten(bad.Message))),
            _ => new ProblemDetails { Status = bad.StatusCode, Detail = Shorten(bad.Message) },
        };
        // The result falls back to plain JSON when the client's Accept header rules out the problem details writers.
        await TypedResults.Problem(problem).ExecuteAsync(httpContext);
        return true;
    }

    private static HttpValidationProblemDetails Invalid((string Field, string Message) error) =>
        new(new Dictionary<string, string[]> { [error.Field] = [error.Message] }) { Status = StatusCodes.Status400BadRequest };

    private static bool BodyIsMissing(HttpContext httpContext) =>
        httpContext.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { RequestType: not null }
        && httpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false };

    /// <summary>The parameter a binding failure names ("Failed to bind parameter "int limit" from "x"."), if any.</summary>
    private static string? ParameterNamed(string message) =>
        BindingFailure().Match(message) is { Success: true } match
            ? match.Groups["source"].Value == "body" ? BodyField : match.Groups["name"].Value
            : null;

    [GeneratedRegex("""^(?:Failed to bind|Required) parameter "(?:[^"]*\s)?(?<name>[^"\s]+)"(?: was not provided from (?<source>\w+))?""")]
    private static partial Regex BindingFailure();

    private (string Field, string Message) FieldError(JsonException invalid, HttpContext httpContext)
    {
        var bodyType = httpContext.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType;
        var target = JsonPathTarget.Resolve(invalid.Path, bodyType, json.Value.SerializerOptions);
        return (target.Field, Message(invalid, target));
    }

    private static string Message(JsonException invalid, JsonPathTarget target)
    {
        // The reader's own words are the clearest for text it cannot decode (lone surrogates, invalid UTF-8).
        if (invalid.InnerException?.Message is { } inner && (inner.Contains("UTF-16") || inner.Contains("UTF-8")))
        {
            return Shorten(inner);
        }
        // The serializer names the .NET type that holds the value, which tells a client nothing: say what JSON belongs there.
        if (invalid.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return target.Expected is { } expected ? $"Must be {expected}." : "Has the wrong JSON type.";
        }
        if (target.IsUnknownProperty)
        {
            return "Is not a property of this request.";
        }
        return Shorten(DotNetType().Replace(PathSuffix().Replace(invalid.Message, ""), ""));
    }

    [GeneratedRegex(@"\s*(?:Path: .*|LineNumber: .*)$", RegexOptions.Singleline)]
    private static partial Regex PathSuffix();

    [GeneratedRegex(@" (?:of|in|for|contained in) type '[^']*'")]
    private static partial Regex DotNetType();

    private static string Shorten(string message) =>
        message.Length <= MaxMessageLength ? message : string.Concat(message.AsSpan(0, MaxMessageLength), "…");
}

/// <summary>Where a JSON path (<c>$.attempts[0].number</c>) points in the request type, and what JSON belongs there.</summary>
internal sealed record JsonPathTarget(string Field, string? Expected, bool IsUnknownProperty)
{
    public static JsonPathTarget Resolve(string? path, Type? bodyType, JsonSerializerOptions options)
    {
        var info = bodyType is null ? null : TypeInfo(options, bodyType);
        var field = new System.Text.StringBuilder();
        var unknown = false;
        foreach (var segment in Segments(path ?? "$"))
        {
            unknown = false;
            if (segment is int index)
            {
                field.Append('[').Append(index).Append(']');
                info = info is { Kind: JsonTypeInfoKind.Enumerable, ElementType: { } element } ? TypeInfo(options, element) : null;
                continue;
            }

            var name = (string)segment;
            var property = info?.Kind == JsonTypeInfoKind.Object
                ? info.Properties.FirstOrDefault(p => string.Equals(p.Name, name,
                    options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
                : null;
            unknown = info?.Kind == JsonTypeInfoKind.Object && property is null;
            // A property the type declares is named as the API spells it (camelCase), whatever case the client used.
            name = property?.Name ?? name;
            if (IsIdentifier(name))
            {
                field.Append(field.Length == 0 ? "" : ".").Append(name);
            }
            else
            {
                field.Append("['").Append(name.Replace("'", "\\'")).Append("']");
            }
            info = property is not null ? TypeInfo(options, property.PropertyType)
                : info is { Kind: JsonTypeInfoKind.Dictionary, ElementType: { } value } ? TypeInfo(options, value)
                : null;
        }
        return new JsonPathTarget(field.Length == 0 ? BadRequestProblems.BodyField : field.ToString(), Describe(info), unknown);
    }

    private static JsonTypeInfo? TypeInfo(JsonSerializerOptions options, Type type) =>
        options.TryGetTypeInfo(type, out var info) ? info : null;

    private static string? Describe(JsonTypeInfo? info)
    {
        if (info is null)
        {
            return null;
        }
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        return type switch
        {
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(Guid) => "a UUID, e.g. 3f2b8c1e-5d4a-4e7b-9c2d-1a2b3c4d5e6f",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) =>
                "an ISO-8601 date and time with an offset, e.g. 2026-03-01T12:00:00Z",
            _ when type == typeof(DateOnly) => "a date, yyyy-MM-dd",
            _ when type == typeof(TimeSpan) => "a duration, [d.]hh:mm:ss[.fffffff]",
            _ when type == typeof(JsonElement) => "a JSON value",
            _ when type == typeof(byte) || type == typeof(short) || type == typeof(int) || type == typeof(long)
                || type == typeof(ushort) || type == typeof(uint) || type == typeof(ulong) || type == typeof(sbyte) => "a whole number",
            _ when type == typeof(float) || type == typeof(double) || type == typeof(decimal) => "a finite number",
            _ when type.IsEnum => "a string",
            _ => info.Kind switch
            {
                JsonTypeInfoKind.Enumerable => "an array",
                JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
                _ => null,
            },
        };
    }

    private static bool IsIdentifier(string name) =>
        name.Length > 0 && !char.IsAsciiDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>The segments of System.Text.Json's paths: <c>.name</c>, <c>['odd name']</c> and <c>[index]</c>.</summary>
    private static IEnumerable<object> Segments(string path)
    {
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                yield return path[(i + 1)..end];
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    yield break;
                }
                yield return path[(i + 2)..end];
                i = end + 2;
            }
            else if (path[i] == '[' && path.IndexOf(']', i) is var close and > 0
                && int.TryParse(path.AsSpan(i + 1, close - i - 1), out var index))
            {
                yield return index;
                i = close + 1;
            }
            else
            {
                yield break;
            }
        }
    }
}
