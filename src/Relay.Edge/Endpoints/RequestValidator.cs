using System.Text.Json;
using Relay.Contracts;

namespace Relay.Edge;

/// <summary>Reads and checks a <see cref="ChatRequest"/> body: every failure names the field.</summary>
internal static class RequestValidator
{
    /// <summary>The most fallback models a request may name (OpenRouter's limit is similar; a longer walk only adds waiting).</summary>
    public const int MaxFallbacks = 8;

    /// <summary>The most content parts one message may have.</summary>
    public const int MaxParts = 64;

    public static async Task<(ChatRequest? Request, StreamError? Error, int Status)> ReadAsync(HttpRequest http, string defaultModel)
    {
        if (!JsonMediaType.Matches(http.ContentType))
        {
            return (null, StreamError.Create(StreamErrorCode.InvalidRequest, "Content-Type must be application/json (UTF-8)."), StatusCodes.Status415UnsupportedMediaType);
        }

        ChatRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync(http.Body, RelayJsonContext.Default.ChatRequest, http.HttpContext.RequestAborted);
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, StreamError.Create(StreamErrorCode.RequestTooLarge, $"The body is over {TrafficLimits.MaxBodyBytes} bytes."), 413);
        }
        catch (JsonException ex)
        {
            var where = string.IsNullOrEmpty(ex.Path) ? "the body" : ex.Path;
            return (null, StreamError.Create(StreamErrorCode.InvalidRequest, $"Invalid JSON at {where}: {ex.Message.Split(" Path:")[0]}"), 400);
        }

        if (request is null)
        {
            return (null, StreamError.Create(StreamErrorCode.InvalidRequest, "The body must be a JSON object."), 400);
        }

        var problem = Check(request);
        return problem is null
            ? (request with { Model = string.IsNullOrWhiteSpace(request.Model) ? defaultModel : request.Model }, null, 200)
            : (null, StreamError.Create(StreamErrorCode.InvalidRequest, problem), 400);
    }

    /// <summary>The first problem with the request, naming the field; null when it is valid.</summary>
    public static string? Check(ChatRequest r)
    {
        if (r.Messages is not { Count: > 0 })
        {
            return "messages: at least one message is required.";
        }

        for (var i = 0; i < r.Messages.Count; i++)
        {
            var m = r.Messages[i];
            if (m is null)
            {
                return $"messages[{i}]: must be an object.";
            }

            if (!Enum.IsDefined(m.Role))
            {
                return $"messages[{i}].role: must be system, user, assistant or tool.";
            }

            if (m.Content is null && m.ToolCalls is not { Count: > 0 })
            {
                return $"messages[{i}].content: required.";
            }

            if (m.Parts is { } parts && PartProblem(parts, m.Role) is { } problem)
            {
                return $"messages[{i}].content{problem}";
            }

            if (m.Role == ChatRole.Tool && string.IsNullOrEmpty(m.ToolCallId))
            {
                return $"messages[{i}].tool_call_id: required on a tool message.";
            }
        }

        if (r.Models is { } models)
        {
            if (models.Count > MaxFallbacks)
            {
                return $"models: at most {MaxFallbacks} fallback models.";
            }

            for (var i = 0; i < models.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(models[i]) || models[i].Length > 200)
                {
                    return $"models[{i}]: must be a model id of 1 to 200 characters.";
                }
            }
        }

        return r switch
        {
            { MaxTokens: < 1 or > 1_000_000 } => "max_tokens: must be from 1 to 1000000.",
            { Temperature: < 0 or > 2 } => "temperature: must be from 0 to 2.",
            { TopP: < 0 or > 1 } => "top_p: must be from 0 to 1.",
            { StreamId: { } id } when !StreamIds.IsValid(id) => "stream_id: must be 8 to 64 of A-Z, a-z, 0-9, '_' and '-'.",
            { Model.Length: > 200 } => "model: too long.",
            _ => null,
        };
    }

    private static string? PartProblem(IReadOnlyList<ContentPart> parts, ChatRole role)
    {
        if (parts.Count > MaxParts)
        {
            return $": at most {MaxParts} parts.";
        }

        for (var j = 0; j < parts.Count; j++)
        {
            var problem = parts[j] switch
            {
                null => ": must be an object.",
                { Type: null } => ".type: required (text or image_url).",
                { Type: ContentPart.TextType, Text: null } => ".text: required on a text part.",
                { Type: ContentPart.TextType } => null,
                { Type: ContentPart.ImageType } when role != ChatRole.User => ": only user messages can carry images.",
                { Type: ContentPart.ImageType, ImageUrl.Url: not { Length: > 0 } } or { Type: ContentPart.ImageType, ImageUrl: null } => ".image_url.url: required on an image part.",
                { Type: ContentPart.ImageType, ImageUrl.Url: var url } when !IsImageUrl(url) => ".image_url.url: must be an http(s) URL or a data:image/ URL.",
                { Type: ContentPart.ImageType } => null,
                { Type: var type } => $".type: '{(type.Length > 20 ? type[..20] : type)}' is not text or image_url.",
            };
            if (problem is not null)
            {
                return $"[{j}]{problem}";
            }
        }

        return null;
    }

    private static bool IsImageUrl(string url) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
        || url.StartsWith("data:image/", StringComparison.OrdinalIgnoreCase);
}
