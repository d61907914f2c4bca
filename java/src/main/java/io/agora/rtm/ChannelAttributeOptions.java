package io.agora.rtm;

/** Options of a channel attribute operation. */
public class ChannelAttributeOptions {
    private boolean enableNotificationToChannelMembers = false;

    public ChannelAttributeOptions() {
    }

    public ChannelAttributeOptions(boolean enableNotificationToChannelMembers) {
        this.enableNotificationToChannelMembers = enableNotificationToChannelMembers;
    }

    public void setEnableNotificationToChannelMembers(boolean enableNotificationToChannelMembers) {
        this.enableNotificationToChannelMembers = enableNotificationToChannelMembers;
    }

    public boolean getEnableNotificationToChannelMembers() {
        return enableNotificationToChannelMembers;
    }

    @Override
    public String toString() {
        return "ChannelAttributeOptions{enableNotificationToChannelMembers="
                + enableNotificationToChannelMembers + "}";
    }
}
