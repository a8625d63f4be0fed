package run.caracal.control.db;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** JSON text columns: lists and maps of strings, and records. Thread-safe. */
public final class Json {
  public static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();
  private static final int REMEMBERED = 4_096;
  private static final Map<String, List<String>> LISTS = new ConcurrentHashMap<>();

  private Json() {}

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("value cannot be written as json", e);
    }
  }

  /**
   * A stored JSON array of strings, as an immutable list. Rows are read on every request (a
   * session's scopes and resources) and hold few distinct values: parsed ones are remembered
   * (at most {@value #REMEMBERED} texts, then forgotten all at once).
   */
  public static List<String> stringList(String json) {
    List<String> known = LISTS.get(json);
    if (known != null) {
      return known;
    }
    List<String> parsed = List.copyOf(read(json, new TypeReference<List<String>>() {}));
    if (LISTS.size() >= REMEMBERED) {
      LISTS.clear();
    }
    LISTS.put(json, parsed);
    return parsed;
  }

  public static Map<String, String> stringMap(String json) {
    return read(json, new TypeReference<Map<String, String>>() {});
  }

  public static <T> T read(String json, TypeReference<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored json cannot be read: " + e.getOriginalMessage(), e);
    }
  }

  public static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("stored json cannot be read: " + e.getOriginalMessage(), e);
    }
  }
}
