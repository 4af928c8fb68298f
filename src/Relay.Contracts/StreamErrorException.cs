namespace Relay.Contracts;

/// <summary>Carries a <see cref="StreamError"/> through code that reports failure by throwing.</summary>
public sealed class StreamErrorException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StreamErrorException(StreamError error, Exception? innerException = null)
        : base($"{(error ?? throw new ArgumentNullException(nameof(error))).WireName}: {error.Message}", innerException)
    {
        Error = error;
    }

    /// <summary>Creates the exception from a code, with the catalog's defaults.</summary>
    public StreamErrorException(StreamErrorCode code, string? message = null, Exception? innerException = null)
        : this(StreamError.Create(code, message), innerException)
    {
    }

    /// <summary>The error.</summary>
    public StreamError Error { get; }
}
