using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;

namespace ConnectorHealth.Metrics.Apis;

/// <summary>
/// A 200 answer whose JSON body is written from parts serialised earlier (and possibly cached); <typeparamref name="T"/>
/// is the shape the parts make up, declared for the OpenAPI document like <see cref="Ok{TValue}"/> does.
/// </summary>
public sealed class JsonParts<T>(IReadOnlyList<byte[]> parts) : IResult, IEndpointMetadataProvider, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private const string JsonContentType = "application/json; charset=utf-8";

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => JsonContentType;

    public IReadOnlyList<byte[]> Parts => parts;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = JsonContentType;
        response.ContentLength = parts.Sum(p => (long)p.Length);
        foreach (var part in parts)
        {
            await response.Body.WriteAsync(part, httpContext.RequestAborted);
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(T), ["application/json"]));
}
