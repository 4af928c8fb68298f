namespace Relay.Contracts;

/// <summary>
/// One part of a message's content, as OpenAI's chat API and OpenRouter have it: <c>{"type":"text","text":...}</c> or
/// <c>{"type":"image_url","image_url":{"url":...}}</c>, the URL an https address or a <c>data:image/...;base64,</c> one.
/// The one content model of every hop: Relay's protocol, the OpenAI-compatible endpoints, the upstream request.
/// </summary>
public sealed record ContentPart
{
    /// <summary>The <see cref="Type"/> of a text part.</summary>
    public const string TextType = "text";

    /// <summary>The <see cref="Type"/> of an image part.</summary>
    public const string ImageType = "image_url";

    /// <summary><see cref="TextType"/> or <see cref="ImageType"/>.</summary>
    public required string Type { get; init; }

    /// <summary>A text part's text.</summary>
    public string? Text { get; init; }

    /// <summary>An image part's image.</summary>
    public ImageUrl? ImageUrl { get; init; }

    /// <summary>A text part.</summary>
    public static ContentPart FromText(string text) => new() { Type = TextType, Text = text };

    /// <summary>An image part, by https URL or data URL.</summary>
    public static ContentPart FromImage(string url) => new() { Type = ImageType, ImageUrl = new ImageUrl(url) };
}
