// Errors of the data layer: every bad input becomes one of these, naming the file, what was expected and what was found.
// Owns: the exception types. Must not: parse, fetch or hash anything.
namespace Vae.Core.Data;

/// <summary>A data file is malformed, truncated, of the wrong kind or holds the wrong content.
/// The message always starts with the file path and says what was expected and what was found.</summary>
public class DataFormatException : Exception
{
    /// <summary>The offending file (as given to the reader).</summary>
    public string FilePath { get; }

    /// <summary>Creates the error; <paramref name="problem"/> says what was expected and what was found.</summary>
    public DataFormatException(string filePath, string problem, Exception? inner = null)
        : base($"{filePath}: {problem}", inner) => FilePath = filePath;
}

/// <summary>The file's SHA-256 differs from the catalog's: it is corrupt, partial or a different version.</summary>
public sealed class ChecksumMismatchException : DataFormatException
{
    /// <summary>Lower-case hex SHA-256 the catalog expects.</summary>
    public string Expected { get; }
    /// <summary>Lower-case hex SHA-256 of the bytes found.</summary>
    public string Found { get; }

    /// <summary>Creates the error for a file of <paramref name="length"/> bytes.</summary>
    public ChecksumMismatchException(string filePath, string expected, string found, long length, string advice)
        : base(filePath, $"SHA-256 mismatch: expected {expected}, found {found} ({length} bytes). {advice}")
        => (Expected, Found) = (expected, found);
}

/// <summary>A data file is missing and could not be downloaded (e.g. no network).
/// The message names the file, every URL tried and the folder to put the file in.</summary>
public sealed class DataUnavailableException : Exception
{
    /// <summary>Where the file was expected.</summary>
    public string FilePath { get; }
    /// <summary>The URLs that were tried, in order.</summary>
    public IReadOnlyList<string> Urls { get; }

    /// <summary>Creates the error; <paramref name="why"/> lists the failures.</summary>
    public DataUnavailableException(string filePath, IReadOnlyList<string> urls, string why, Exception? inner = null)
        : base($"data file {Path.GetFileName(filePath)} is missing from {Path.GetDirectoryName(filePath)} and could not be downloaded " +
               $"({why}). Download it yourself from {(urls.Count == 0 ? "(no URL known)" : string.Join(" or ", urls))} " +
               $"and put it in {Path.GetDirectoryName(filePath)}/ (or point --data / VAE_DATA at a folder that has it).", inner)
        => (FilePath, Urls) = (filePath, urls);
}
