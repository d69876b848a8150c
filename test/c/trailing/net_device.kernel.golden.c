static int trl_obj_put_net_device(struct mdl_out *m, const void *obj, const u64 *mask)
{
	const struct net_device *o = obj;
	int err;

	if (mdl_bit(mask, 0)) {
		err = mdl_put_u32(&m->w, (u32)(o->flags));
		if (err)
			return err;
	}
	if (mdl_bit(mask, 1)) {
		err = mdl_put_u32(&m->w, (u32)(o->mtu));
		if (err)
			return err;
	}
	if (mdl_bit(mask, 2)) {
		err = mdl_out_ref(m, (const void *)(uintptr_t)(netdev_priv((struct net_device *)(uintptr_t)(o))), &trl_desc_trl_priv, false);
		if (err)
			return err;
	}
	return 0;
}

static int trl_obj_get_net_device(struct mdl_in *m, struct mdl_reader *r, void *staged, const void *live,
			const u64 *mask)
{
	struct net_device *st = staged;
	int err;

	(void)live;
	if (mdl_bit(mask, 0)) {
		u32 t;

		err = mdl_get_u32(r, &t);
		if (err)
			return err;
		st->flags = (__typeof__(st->flags))t;
	}
	if (mdl_bit(mask, 1)) {
		u32 t;

		err = mdl_get_u32(r, &t);
		if (err)
			return err;
		st->mtu = (__typeof__(st->mtu))t;
	}
	if (mdl_bit(mask, 2)) {
		void *p;

		err = mdl_in_area(m, r, &trl_desc_trl_priv, false, &p);
		if (err)
			return err;
	}
	return 0;
}

static void trl_obj_apply_net_device(void *live, const void *staged, const u64 *mask)
{
	struct net_device *lv = live;
	const struct net_device *st = staged;

	if (mdl_bit(mask, 0))
		lv->flags = st->flags;
	if (mdl_bit(mask, 1))
		lv->mtu = st->mtu;
}

static int trl_obj_kids_net_device(struct mdl_out *m, const void *obj)
{
	const struct net_device *o = obj;
	int err;

	err = mdl_out_child(m, (const void *)(uintptr_t)(netdev_priv((struct net_device *)(uintptr_t)(o))), &trl_desc_trl_priv);
	if (err)
		return err;
	return 0;
}

static bool trl_obj_points_net_device(const void *obj, const u64 *fields, bool others, const void *target)
{
	const struct net_device *o = obj;

	if (!fields || mdl_bit(fields, 2) != others) {
		if ((const void *)(uintptr_t)(netdev_priv((struct net_device *)(uintptr_t)(o))) == target)
			return true;
	}
	return false;
}

static void *trl_area_net_device(void *obj)
{
	return (void *)(uintptr_t)netdev_priv((struct net_device *)(uintptr_t)(obj));
}

_Static_assert(3 <= MDL_MAX_FIELDS, "struct net_device: more fields than a present-field mask holds");

static const struct mdl_type_desc trl_desc_net_device = {
	.id = TRL_ID_NET_DEVICE,
	.nfields = 3,
	.name = "net_device",
	.size = sizeof(struct net_device),
	.sendable = { 0x7ULL, 0x0ULL, 0x0ULL, 0x0ULL },
	.put = trl_obj_put_net_device,
	.get = trl_obj_get_net_device,
	.apply = trl_obj_apply_net_device,
	.children = trl_obj_kids_net_device,
	.locate = NULL,
	.element = NULL,
	.points_to = trl_obj_points_net_device,
	.nspans = 0,
	.spans = NULL,
	.home_only = true,
	.area = trl_area_net_device,
	.area_size = sizeof(struct trl_priv),
};
