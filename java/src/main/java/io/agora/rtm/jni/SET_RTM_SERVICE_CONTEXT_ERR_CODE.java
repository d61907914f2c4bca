package io.agora.rtm.jni;

/**
 * The result of {@link io.agora.rtm.RtmClient#setRtmServiceContext}, in the
 * shape of the vendor's SWIG-made class: two instances, their values and
 * names.
 */
public final class SET_RTM_SERVICE_CONTEXT_ERR_CODE {
    public static final SET_RTM_SERVICE_CONTEXT_ERR_CODE SET_RTM_SERVICE_CONTEXT_ERR_OK =
            new SET_RTM_SERVICE_CONTEXT_ERR_CODE("SET_RTM_SERVICE_CONTEXT_ERR_OK", 0);
    public static final SET_RTM_SERVICE_CONTEXT_ERR_CODE SET_RTM_SERVICE_CONTEXT_ERR_FAILURE =
            new SET_RTM_SERVICE_CONTEXT_ERR_CODE("SET_RTM_SERVICE_CONTEXT_ERR_FAILURE", 1);

    private static final SET_RTM_SERVICE_CONTEXT_ERR_CODE[] VALUES = {
        SET_RTM_SERVICE_CONTEXT_ERR_OK, SET_RTM_SERVICE_CONTEXT_ERR_FAILURE};

    private final String name;
    private final int value;

    private SET_RTM_SERVICE_CONTEXT_ERR_CODE(String name, int value) {
        this.name = name;
        this.value = value;
    }

    public final int swigValue() {
        return value;
    }

    /**
     * The instance of a value.
     *
     * @throws IllegalArgumentException for a value that has none, as SWIG's
     */
    public static SET_RTM_SERVICE_CONTEXT_ERR_CODE swigToEnum(int swigValue) {
        for (SET_RTM_SERVICE_CONTEXT_ERR_CODE c : VALUES) {
            if (c.value == swigValue) {
                return c;
            }
        }
        throw new IllegalArgumentException("No enum " + SET_RTM_SERVICE_CONTEXT_ERR_CODE.class + " with value "
                + swigValue);
    }

    @Override
    public String toString() {
        return name;
    }
}
