package io.mesh4j.lb;

/** The picker of an empty endpoint set: always {@link PickResult#NONE}. Stateless. */
final class EmptyPicker implements Picker {
  static final EmptyPicker INSTANCE = new EmptyPicker();

  private EmptyPicker() {}

  @Override
  public PickResult pick(PickContext context) {
    return PickResult.NONE;
  }

  @Override
  public String toString() {
    return "EmptyPicker";
  }
}
