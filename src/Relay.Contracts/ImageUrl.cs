namespace Relay.Contracts;

/// <summary>The image of an image part.</summary>
/// <param name="Url">An https URL, or a data URL (<c>data:image/png;base64,...</c>).</param>
public sealed record ImageUrl(string Url)
{
    /// <summary>OpenAI's <c>detail</c> (<c>auto</c>, <c>low</c>, <c>high</c>), passed on as given.</summary>
    public string? Detail { get; init; }
}
