package frontend

import (
	"net/http"
	"net/url"

	"github.com/avrop/avrop/catalog"
)

// favouritesPageSize is how many favourites a page shows.
const favouritesPageSize = 50

type favouritesData struct {
	Page  catalog.FavouritePage
	Pager pager
}

// favouritesPage lists the user's favourites, each with an add-to-cart form, so that the usual
// supplies are a tap away; items that have ended are counted with a button to clear them.
func (s *server) favouritesPage(q *req) error {
	page := listPage(q.r, favouritesPageSize)
	favs, err := s.Catalog.Favourites(q.ctx(), *q.caller, page)
	if err != nil {
		return err
	}
	return q.render(http.StatusOK, "favourites", "fav.title", favouritesData{Page: favs,
		Pager: newPager("/favourites", url.Values{}, page, favs.Total)})
}

// favStar is the star's state for the "favstar" template.
type favStar struct {
	ID, Name, Back string
	On             bool
}

// setFavourite marks or unmarks an item (the star's button). htmx gets the star back in its
// new state (aria-pressed); a plain form returns to the page it came from.
func (s *server) setFavourite(q *req) error {
	id, on := q.r.PathValue("id"), q.r.PostFormValue("on") == "true"
	if err := s.Catalog.SetFavourite(q.ctx(), *q.caller, id, on); err != nil {
		return err
	}
	back := localPath(q.r.PostFormValue("back"))
	if q.r.Header.Get("HX-Request") == "true" {
		// The star names its item to screen readers; an item that has ended has no name to give.
		star := favStar{ID: id, On: on, Back: back}
		if it, err := s.Catalog.GetItem(q.ctx(), *q.caller, id); err == nil {
			star.Name = it.Name
		}
		return q.renderFragment(http.StatusOK, "favourites", "favstar-fragment", star)
	}
	if back == "" {
		back = "/favourites"
	}
	q.redirect(back)
	return nil
}

// clearEndedFavourites removes the marks on items that are no longer in the catalogue.
func (s *server) clearEndedFavourites(q *req) error {
	if _, err := s.Catalog.ClearEndedFavourites(q.ctx(), *q.caller); err != nil {
		return err
	}
	q.redirect("/favourites?msg=favourites_cleared")
	return nil
}
